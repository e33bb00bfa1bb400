"""A slow shouting echo server with asyncio: many clients at once, in one thread."""
import asyncio
import sys


async def handle(reader, writer):
    """Serves one client: answers each line with the line in capitals, half a second later."""
    # TODO: read lines until the client is done; for each, wait half a second without
    # blocking the other clients, then send it back in capitals; close the connection at the end.


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
