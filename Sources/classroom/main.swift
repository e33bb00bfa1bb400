import ClassroomCLI

await ClassroomCommand.runMain()
