#!/usr/bin/env bash
# Decode speed of aligndial's matmul engine beside its peers, alternating them round by round (a busy
# machine's slow phases then hit everyone alike), with peak resident memory from /usr/bin/time -v.
# Not a test: prints a table and the commands. Peers (see ../shared/peers/README.md):
#   llama2.c run.c (gcc -Ofast -march=native, 1 thread, f32) and llama.cpp through node-llama-cpp@3.21.1
#   (installed by the caller in a scratch folder: NLC_DIR=/tmp/x with node_modules/node-llama-cpp; never a
#   project dependency). Missing peers are skipped with a message.
# usage: packages/core/bench/peers.sh [SHAPES=stories15M,stories110M] [ROUNDS=2] [TOKENS=64]
set -euo pipefail
cd "$(dirname "$0")/../../.."
SHAPES=${1:-stories15M,stories110M}; ROUNDS=${2:-2}; TOKENS=${3:-64}
PEERS=${PEERS_DIR:-../shared/peers}
WORK=${WORK_DIR:-/tmp/aligndial-peers}
NLC_DIR=${NLC_DIR:-$WORK/nlc}
CLI="node packages/cli/dist/bin.js"
mkdir -p "$WORK"
[[ -f packages/cli/dist/bin.js ]] || pnpm -s build

declare -A DIMS=([stories15M]="288 768 6 6 6 32000 256" [stories110M]="768 2048 12 12 12 32000 1024")
declare -A GGUF=([stories15M]=S15 [stories110M]=S110)

run_c=""
if command -v gcc >/dev/null && [[ -f $PEERS/llama2c-run.c ]]; then
  gcc -Ofast -march=native -o "$WORK/run" "$PEERS/llama2c-run.c" -lm && run_c="$WORK/run"
  # run.c needs a tokenizer.bin (vocab 32000); random weights only need placeholder pieces.
  python3 -c "
import struct
with open('$WORK/tokenizer.bin', 'wb') as f:
    f.write(struct.pack('i', 16))
    for i in range(32000):
        b = (bytes([i - 3]) if 3 <= i < 259 else ('t%d' % i).encode())
        f.write(struct.pack('fi', 0.0, len(b)) + b)
"
else echo "# llama2.c peer skipped (gcc or $PEERS/llama2c-run.c missing)"; fi
nlc=""
if [[ -d $NLC_DIR/node_modules/node-llama-cpp ]]; then nlc=1; cp "$PEERS/llama-cpp-bench.mjs" "$NLC_DIR/bench.mjs"; else echo "# llama.cpp peer skipped (no $NLC_DIR/node_modules/node-llama-cpp)"; fi

peak() { grep 'Maximum resident' "$1" | awk '{printf "%.0f MiB", $6/1024}'; }

for shape in ${SHAPES//,/ }; do
  dir="$WORK/aligndial-$shape"
  [[ -f $dir/model.safetensors ]] || $CLI create-random --shape "$shape" --out "$dir" >/dev/null
  if [[ -n $run_c && ! -f $WORK/$shape.bin ]]; then python3 "$PEERS/random_llama2c.py" "$WORK/$shape.bin" ${DIMS[$shape]} >/dev/null; fi
  if [[ -n $nlc && ! -f $WORK/gguf/${GGUF[$shape]}-Q8_0.gguf ]]; then python3 "$PEERS/gguf_writer.py" "$WORK/gguf" --shapes "${GGUF[$shape]}" --types F32,Q8_0 >/dev/null; fi
done

for round in $(seq 1 "$ROUNDS"); do
  for shape in ${SHAPES//,/ }; do
    dir="$WORK/aligndial-$shape"
    for w in f32 bf16 int8; do
      cmd="$CLI bench decode --model $dir --weights $w --tokens $TOKENS --prompt-length 8 --warmup 4 --rounds 1 --backend wasm --json"
      /usr/bin/time -v $cmd >"$WORK/out.json" 2>"$WORK/time.log"
      printf '%s\tround %s\taligndial %s\t%s tok/s\t%s\t%s\n' "$shape" "$round" "$w" "$(node -e "const r=require('$WORK/out.json');console.log(r.decodeTokensPerSecond.toFixed(1)+' (threads '+r.threads+')')")" "$(peak "$WORK/time.log")" "$cmd"
    done
    # auto on these float32 checkpoints (< 1 GiB) is today's tfjs path: every weight a tfjs Variable, XNNPACK matmuls.
    cmd="$CLI bench decode --model $dir --weights auto --tokens $TOKENS --prompt-length 8 --warmup 4 --rounds 1 --backend wasm --json"
    /usr/bin/time -v $cmd >"$WORK/out.json" 2>"$WORK/time.log"
    printf '%s\tround %s\ttfjs-wasm f32\t%s tok/s\t%s\t%s\n' "$shape" "$round" "$(node -e "console.log(require('$WORK/out.json').decodeTokensPerSecond.toFixed(1))")" "$(peak "$WORK/time.log")" "$cmd"
    if [[ -n $run_c ]]; then
      cmd="$run_c $WORK/$shape.bin -z $WORK/tokenizer.bin -t 0 -n $((TOKENS + 8)) -i Once"
      /usr/bin/time -v $cmd >"$WORK/run.out" 2>"$WORK/time.log"
      printf '%s\tround %s\tllama2.c f32\t%s tok/s\t%s\t%s\n' "$shape" "$round" "$(grep -o 'achieved tok/s: [0-9.]*' "$WORK/run.out" "$WORK/time.log" | head -1 | awk '{print $NF}')" "$(peak "$WORK/time.log")" "$cmd"
    fi
    if [[ -n $nlc ]]; then
      for t in F32 Q8_0; do
        cmd="node $NLC_DIR/bench.mjs $WORK/gguf/${GGUF[$shape]}-$t.gguf 1 1 $TOKENS 8 1"
        /usr/bin/time -v $cmd >"$WORK/nlc.json" 2>"$WORK/time.log" || true
        printf '%s\tround %s\tllama.cpp %s\t%s tok/s\t%s\t%s\n' "$shape" "$round" "$t" "$(node -e "try{const r=JSON.parse(require('fs').readFileSync('$WORK/nlc.json','utf8').trim().split('\n').pop());console.log(r.median+' wall / '+r.llamaEvalMedian+' eval')}catch(e){console.log('failed')}")" "$(peak "$WORK/time.log")" "$cmd"
      done
    fi
  done
done
