#!/usr/bin/env bash
L=$LOCK
flock $L $RES/run.sh x300-newargus-baseload $BIN/argus $BIN/base-load 300
flock $L $RES/run.sh x300-baseargus-newload $BIN/base-argus $BIN/load 300
echo done
