"""A slow shouting echo server with asyncio: many clients at once, in one thread."""
import asyncio
import sys
import time


async def handle(reader, writer):
    """Serves one client: answers each line with the line in capitals, half a second later."""
    try:
        while True:
            line = await reader.readline()
            if not line:
                break  # the client has closed its side
            time.sleep(0.5)  # the half-second of work
            writer.write(line.decode("utf-8", errors="replace").upper().encode("utf-8"))
            await writer.drain()  # wait while the client reads slower than we write
    finally:
        writer.close()
        await writer.wait_closed()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
