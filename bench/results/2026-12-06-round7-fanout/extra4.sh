#!/usr/bin/env bash
cd .
while pgrep -f plan.sh >/dev/null; do sleep 5; done
flock $LOCK $RES/run.sh runj500-1 $BIN/runj-argus $BIN/runj-load 500
echo done
