"""Run a Python script (argv[1], with the arguments after it) as __main__,
with SIGINT raising KeyboardInterrupt between asyncio callbacks.

Python's default SIGINT handler raises KeyboardInterrupt in whatever
Python code the main thread runs when the signal arrives. aiortc's
janus.py example stops on that exception and then awaits pc.close(),
which waits for each RTP sender's and receiver's background task to set
an "exited" event as it ends. When the exception lands inside one of
those tasks instead of while the event loop waits for I/O, the task dies
without setting its event and pc.close() never returns.

Here the event loop handles SIGINT (add_signal_handler): the
KeyboardInterrupt is raised by a callback of its own, so it ends the
script's run_until_complete and no task's code sees it. The script
itself runs unchanged, on this event loop, which its
asyncio.get_event_loop() returns.
"""

import asyncio
import os
import runpy
import signal
import sys


def interrupt():
    raise KeyboardInterrupt


def main():
    script = sys.argv[1]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.add_signal_handler(signal.SIGINT, interrupt)
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
