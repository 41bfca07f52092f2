#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:lm`: the textbook's character language model
(vocab 28, batch 32, 35 steps, 256 hidden, one-hot input, dense output, softmax
cross-entropy, SGD lr 1 with clipping by global norm 1), tokens per second of training,
and greedy generation of 500 characters. One thread (faster than two at these shapes).
With --timemachine FILE also the word-level model (`word:gru:E`: d2l's word tokenizer and
Vocab on The Time Machine, V = 4,580, one-hot input for E = 0, else nn.Embedding(V, E)).

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread
(without libopenblas0-pthread Debian's torch uses the reference BLAS, ~12x slower: not a
fair baseline). Run with /usr/bin/python3. Prints one JSON object per line.
"""
import argparse
import json
import sys
import time

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"error": "torch missing: apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3"}))
    sys.exit(0)


class LM(nn.Module):
    """d2l's RNNModel: one-hot input (embedding 0) or nn.Embedding(vocab, embedding)."""

    def __init__(self, kind, vocab, hidden, embedding=0):
        super().__init__()
        cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]
        self.embedding = nn.Embedding(vocab, embedding) if embedding > 0 else None
        self.rnn = cls(embedding or vocab, hidden)
        self.vocab = vocab
        self.out = nn.Linear(hidden, vocab)

    def forward(self, ids, state=None):
        x = self.embedding(ids) if self.embedding is not None else F.one_hot(ids, self.vocab).float()  # [T, B, E or V]
        y, state = self.rnn(x, state)
        return self.out(y.reshape(-1, y.shape[-1])), state


def word_vocab_size(path):
    """d2l 8.2 on The Time Machine as Seqlab's `--token word` reads it: each line reduced to
    lower-case letters (re.sub('[^A-Za-z]+', ' ', line).strip().lower()), split on spaces,
    Vocab(tokens) with min_freq 0: '<unk>' plus every distinct word (4,580)."""
    import collections
    import re
    with open(path) as f:
        lines = [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in f.readlines()]
    counts = collections.Counter(tok for line in lines for tok in line.split())
    return 1 + len(counts), sum(counts.values())


def blas_info():
    """Which libblas the dynamic linker resolved (Debian's torch links the generic name)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {l.split()[-1] for l in f if "blas" in l}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


class Bench:
    V, B, T, H = 28, 32, 35, 256

    def __init__(self, word_vocab=0):
        self.models = {}
        self.word_vocab = word_vocab

    def get(self, kind):
        """kind: rnn | gru | lstm (the char model), or word:KIND:E (V = the word vocabulary, embedding E, 0 = one-hot)."""
        if kind not in self.models:
            torch.manual_seed(0)
            parts = kind.split(":")
            V = self.word_vocab if parts[0] == "word" else self.V
            model = LM(parts[1], V, self.H, int(parts[2])) if parts[0] == "word" else LM(kind, V, self.H)
            opt = torch.optim.SGD(model.parameters(), lr=1.0)
            X = torch.randint(0, V, (self.T, self.B))
            Y = torch.randint(0, V, (self.T, self.B))

            def step():
                logits, _ = model(X)
                loss = F.cross_entropy(logits, Y.reshape(-1))
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                return loss.item()

            for _ in range(5):
                step()
            self.models[kind] = (model, step)
        return self.models[kind]

    def train(self, kind, steps):
        _, step = self.get(kind)
        step()  # untimed: caches and thread pools warm again after the other side ran (bench/lm.ts does the same)
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return steps * self.T * self.B / (time.perf_counter() - t0)

    def generate(self, kind, n=500):
        model, _ = self.get(kind)
        with torch.no_grad():
            t0 = time.perf_counter()
            prefix = torch.randint(0, self.V, (10, 1))
            logits, state = model(prefix)
            tok = logits[-1].argmax().view(1, 1)
            for _ in range(n):
                logits, state = model(tok, state)
                tok = logits[-1].argmax().view(1, 1)
            return (time.perf_counter() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="rnn,gru,lstm")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timemachine", default="", help="timemachine.txt: enables the word models (word:KIND:E)")
    ap.add_argument("--serve", action="store_true", help="read 'train KIND STEPS' / 'gen KIND' lines on stdin (used by bench/lm.ts to interleave)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    wv, wtokens = word_vocab_size(a.timemachine) if a.timemachine else (0, 0)
    b = Bench(wv)
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_info()}
    if wv:
        info.update(wordVocab=wv, wordTokens=wtokens)
    print(json.dumps({"info": info}), flush=True)
    if a.serve:
        for line in sys.stdin:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "train":
                print(json.dumps({"tokensPerSec": b.train(parts[1], int(parts[2]))}), flush=True)
            elif parts[0] == "gen":
                print(json.dumps({"gen500ms": b.generate(parts[1])}), flush=True)
            elif parts[0] == "quit":
                break
        return
    for kind in a.models.split(","):
        rates = sorted(b.train(kind, a.steps) for _ in range(a.reps))
        gens = sorted(b.generate(kind) for _ in range(3))
        print(json.dumps({"model": kind, "tokensPerSec": rates[len(rates) // 2], "all": rates, "gen500ms": gens[1]}), flush=True)


if __name__ == "__main__":
    main()
