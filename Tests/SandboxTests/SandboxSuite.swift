import Testing
@testable import Sandbox

/// The parent of every sandbox suite, serialized: the leftover checks look
/// at the whole machine (processes, cgroups, mounts), and the timing checks
/// need the CPU to themselves.
@Suite(.serialized) struct SandboxSuite {}
