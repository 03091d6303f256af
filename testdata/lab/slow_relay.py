#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""slow_relay.py: a TCP relay that holds every chunk for a while before
passing it on, in both directions: a slow path (a congested mobile link, a
far-away terminator) for a lab without netem.

    slow_relay.py --listen ADDR:PORT --connect ADDR:PORT --delay SECONDS

The client talks to the relay; what the capture on the client's side shows
is the real TCP of the client's stack, with the server's answers late."""

import argparse
import asyncio


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


async def pipe(reader, writer, delay):
    try:
        while data := await reader.read(65536):
            await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def relay(client_reader, client_writer, target, delay):
    try:
        server_reader, server_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, server_writer, delay),
                         pipe(server_reader, client_writer, delay))


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=address, required=True)
    parser.add_argument("--connect", type=address, required=True)
    parser.add_argument("--delay", type=float, required=True)
    args = parser.parse_args()
    server = await asyncio.start_server(
        lambda r, w: relay(r, w, args.connect, args.delay), *args.listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
