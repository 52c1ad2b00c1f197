#!/usr/bin/python3
"""PyTorch (CPU) side of the training-step comparison with `dpo-step.ts`.

The same DPO steps on the same pairs and the same safetensors: CLM (a copy of layer 0 with o_proj and
down_proj zeroed, inserted before layer 0 and trained alone; reference = the base model, i.e. lambda = 0)
or full DPO (reference = the initial policy). Sigmoid DPO, beta 0.1, AdamW (0.9, 0.999, 1e-8, no weight
decay), constant learning rate 1e-5, global gradient-norm clip 1. Prints one JSON line like dpo-step.ts.

Needs only Debian's python3-torch (no transformers, no safetensors package) and an optimized BLAS: Debian's torch
is built with BLAS_INFO=generic and multiplies through whatever libblas.so.3 is installed — with the reference
BLAS it pulls in, one SmolLM2-135M step took over 20 minutes; with OpenBLAS about one:
  apt-get install python3-torch libopenblas0-pthread
  OPENBLAS_NUM_THREADS=1 ...   (one thread, like aligndial's engine on this 2-vCPU machine)
  /usr/bin/python3 packages/cli/bench/torch-dpo-step.py --model S135 --pairs /tmp/pairs.json --mode clm --batch-size 2 --steps 3
"""
import argparse
import json
import math
import resource
import struct
import time

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """name -> float32 tensor, read directly from the file format (8-byte header length, JSON header, data)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        t = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[spec["dtype"]])
        out[name] = t.reshape(spec["shape"]).float()
    return out


class Config:
    def __init__(self, d):
        self.D = d["hidden_size"]
        self.F = d["intermediate_size"]
        self.L = d["num_hidden_layers"]
        self.H = d["num_attention_heads"]
        self.K = d.get("num_key_value_heads", self.H)
        self.hd = d.get("head_dim") or self.D // self.H
        self.V = d["vocab_size"]
        self.eps = d.get("rms_norm_eps", 1e-6)
        self.theta = d.get("rope_theta", 10000.0)
        self.tied = d.get("tie_word_embeddings", False)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, w, prefix, trainable):
        super().__init__()
        names = ["input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                 "self_attn.v_proj.weight", "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
                 "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias", "self_attn.o_proj.bias",
                 "mlp.gate_proj.bias", "mlp.up_proj.bias", "mlp.down_proj.bias"]
        self.p = torch.nn.ParameterDict()
        for n in names:
            if prefix + n in w:
                self.p[n.replace(".", "_")] = torch.nn.Parameter(w[prefix + n].clone(), requires_grad=trainable)

    def lin(self, x, name):
        b = self.p[name + "_bias"] if name + "_bias" in self.p else None
        return F.linear(x, self.p[name + "_weight"], b)

    def forward(self, x, cos, sin, bias, c):
        B, T, _ = x.shape
        h = rms_norm(x, self.p["input_layernorm_weight"], c.eps)
        q = self.lin(h, "self_attn_q_proj").view(B, T, c.H, c.hd).transpose(1, 2)
        k = self.lin(h, "self_attn_k_proj").view(B, T, c.K, c.hd).transpose(1, 2)
        v = self.lin(h, "self_attn_v_proj").view(B, T, c.K, c.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(c.H // c.K, dim=1)
        v = v.repeat_interleave(c.H // c.K, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(c.hd) + bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, c.H * c.hd)
        x = x + self.lin(ctx, "self_attn_o_proj")
        h = rms_norm(x, self.p["post_attention_layernorm_weight"], c.eps)
        return x + self.lin(F.silu(self.lin(h, "mlp_gate_proj")) * self.lin(h, "mlp_up_proj"), "mlp_down_proj")


class Model(torch.nn.Module):
    def __init__(self, c, w, mode):
        super().__init__()
        self.c = c
        full = mode == "all"
        self.embed = torch.nn.Parameter(w["model.embed_tokens.weight"].clone(), requires_grad=full)
        self.norm = torch.nn.Parameter(w["model.norm.weight"].clone(), requires_grad=full)
        self.head = None if c.tied else torch.nn.Parameter(w["lm_head.weight"].clone(), requires_grad=full)
        self.layers = torch.nn.ModuleList([Layer(w, f"model.layers.{i}.", full) for i in range(c.L)])
        self.added = None
        if mode == "clm":
            # aligndial's expandModel: a copy of layer 0 whose o_proj and down_proj are zero (an identity at first).
            self.added = Layer(w, "model.layers.0.", True)
            for n in ["self_attn_o_proj_weight", "mlp_down_proj_weight", "self_attn_o_proj_bias", "mlp_down_proj_bias"]:
                if n in self.added.p:
                    self.added.p[n].data.zero_()

    def seq_logps(self, ids, mask, comp, use_added, checkpoint):
        c = self.c
        B, T = ids.shape
        pos = (mask.cumsum(-1) - 1).clamp(min=0).float()
        inv = 1.0 / (c.theta ** (torch.arange(0, c.hd, 2).float() / c.hd))
        freqs = pos[..., None] * inv
        emb = torch.cat((freqs, freqs), -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        allowed = causal[None, None] & mask.bool()[:, None, None, :]
        bias = torch.zeros(B, 1, T, T).masked_fill(~allowed, -1e9)
        x = F.embedding(ids, self.embed)
        layers = ([self.added] if use_added else []) + list(self.layers)
        for layer in layers:
            if checkpoint and torch.is_grad_enabled():
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin, bias, c, use_reentrant=False)
            else:
                x = layer(x, cos, sin, bias, c)
        # The head only where a completion token is predicted (position t-1 predicts token t).
        b_idx, t_idx = torch.nonzero(comp[:, 1:], as_tuple=True)
        h = rms_norm(x[b_idx, t_idx], self.norm, c.eps)
        logits = h @ (self.head if self.head is not None else self.embed).t()
        lp = logits.log_softmax(-1).gather(-1, ids[b_idx, t_idx + 1][:, None])[:, 0]
        return torch.zeros(B).index_add(0, b_idx, lp)


def collate(pairs, pad=0):
    rows = [(p["promptIds"], p["chosenIds"]) for p in pairs] + [(p["promptIds"], p["rejectedIds"]) for p in pairs]
    T = max(len(a) + len(b) for a, b in rows)
    ids, mask, comp = [], [], []
    for a, b in rows:
        n = len(a) + len(b)
        ids.append(a + b + [pad] * (T - n))
        mask.append([1] * n + [0] * (T - n))
        comp.append([0] * len(a) + [1] * len(b) + [0] * (T - n))
    return torch.tensor(ids), torch.tensor(mask), torch.tensor(comp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--pairs", required=True, help="JSON written by dpo-step.ts --pairs-out")
    ap.add_argument("--mode", choices=["clm", "all"], default="clm")
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    ap.add_argument("--gradient-checkpointing", choices=["on", "off"], default="off")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    c = Config(json.load(open(f"{a.model}/config.json")))
    w = read_safetensors(f"{a.model}/model.safetensors")
    model = Model(c, w, a.mode)
    del w
    pairs = json.load(open(a.pairs))
    batches = [collate(pairs[i * a.batch_size:(i + 1) * a.batch_size]) for i in range(a.steps)]
    t0 = time.perf_counter()
    with torch.no_grad():  # reference log-probs, once up front (CLM: without the added layer)
        refs = [model.seq_logps(*b, use_added=False, checkpoint=False) for b in batches]
    reference_ms = (time.perf_counter() - t0) * 1000
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    step_ms, losses, logps = [], [], []
    for b, ref in zip(batches, refs):
        t0 = time.perf_counter()
        lp = model.seq_logps(*b, use_added=a.mode == "clm", checkpoint=a.gradient_checkpointing == "on")
        n = len(lp) // 2
        h = (lp[:n] - ref[:n]) - (lp[n:] - ref[n:])
        loss = -F.logsigmoid(0.1 * h).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step_ms.append((time.perf_counter() - t0) * 1000)
        losses.append(loss.item())
        logps.append({"chosen": lp[:n].mean().item(), "rejected": lp[n:].mean().item()})
    print(json.dumps({
        "implementation": f"pytorch {torch.__version__} ({torch.get_num_threads()} threads)",
        "mode": a.mode,
        "gradientCheckpointing": a.gradient_checkpointing == "on",
        "referenceMs": reference_ms,
        "stepMs": step_ms,
        "losses": losses,
        "logps": logps,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
