/**
 * The standalone training script `seqlab export` writes (train.py): plain PyTorch in the
 * textbook's style (d2l 9.5–9.7: RNNModel, seq_data_iter_sequential/random, grad_clipping,
 * train_epoch_ch8), no Seqlab import. It reads the files beside it (see EXPORT_FILES in
 * ./lm-files.ts), continues training with the run's hyper-parameters and writes safetensors
 * checkpoints `seqlab import` reads back, on one process or under torchrun with
 * DistributedDataParallel (gloo on CPU, nccl on GPU; each process takes an equal share of every
 * batch's rows, so the hidden state carries over between batches as on one process).
 *
 * Kept as one string so the extension's bundle carries it; Python's own syntax is checked by the
 * interop bench (`python3 -m py_compile`) when Python is there.
 */
export function trainScript(): string {
  return TRAIN_PY;
}

const TRAIN_PY = String.raw`#!/usr/bin/env python3
"""Continue a Seqlab run in PyTorch. Written by "seqlab export"; needs only PyTorch.

    python3 train.py [--epochs N] [--out DIR]
    torchrun --nproc_per_node=N train.py [--epochs N] [--out DIR]

(PyTorch 1.13's torchrun on Python 3.11 or newer fails in to_map with its default output
options; add --redirects 1 --tee 1 there.)

Rebuilds the run's model (d2l's RNNModel around nn.RNN / nn.LSTM / nn.GRU, or d2l's
from-scratch GRU when the run used it) and its data pipeline (d2l's preprocessing, the run's
vocabulary, d2l's sequential or random minibatches), loads model.safetensors and trains with
the run's hyper-parameters (seqlab-run.json). After every epoch rank 0 writes
DIR/model.safetensors and DIR/vocab.json, which "seqlab import" reads back.
"""
import argparse
import json
import math
import os
import random
import re
import struct
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- safetensors
# The format safetensors.torch.save_file writes, read and written directly: an 8-byte
# little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} padded with
# spaces to 8 bytes, then the raw little-endian data (tensors ordered by name here, all F32).

DTYPES = {'F32': ('f', 4, torch.float32), 'F64': ('d', 8, torch.float64)}


def load_safetensors(path):
    with open(path, 'rb') as f:
        buf = f.read()
    (n,) = struct.unpack('<Q', buf[:8])
    header = json.loads(buf[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = buf[8 + n:]
    out = {}
    for name, e in header.items():
        if e['dtype'] not in DTYPES:
            sys.exit('train.py: tensor %s is %s; this script reads F32 and F64.' % (name, e['dtype']))
        fmt, size, dtype = DTYPES[e['dtype']]
        b0, b1 = e['data_offsets']
        values = struct.unpack('<%d%s' % ((b1 - b0) // size, fmt), data[b0:b1])
        out[name] = torch.tensor(values, dtype=dtype).to(torch.float32).reshape(e['shape'])
    return out, meta


def save_safetensors(tensors, path, metadata=None):
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to('cpu', torch.float32).contiguous()
        values = t.reshape(-1).tolist()
        blob = struct.pack('<%df' % len(values), *values)
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    head += b' ' * ((8 - len(head) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


# ---------------------------------------------------------------- data (d2l 9.2-9.3)

def preprocess(line, mode):
    """d2l's read_time_machine: letters only, lower case ('textbook'); 'raw' keeps the line."""
    return re.sub('[^A-Za-z]+', ' ', line).strip().lower() if mode == 'textbook' else line


def load_corpus(path, cfg, token_to_idx, unk):
    with open(path, encoding='utf-8') as f:
        lines = [preprocess(line, cfg['mode']) for line in f.read().split('\n')]
    tokens = [list(line) if cfg['token'] == 'char' else line.split() for line in lines]
    corpus = [token_to_idx.get(t, unk) for line in tokens for t in line]
    if cfg.get('maxTokens', 0) > 0:
        corpus = corpus[:cfg['maxTokens']]
    cut = int(math.floor(cfg.get('split', 0.9) * len(corpus)))
    return corpus[:cut], corpus[cut:]


def seq_data_iter_random(corpus, batch_size, num_steps, rng):
    corpus = corpus[rng.randint(0, num_steps - 1):]
    num_subseqs = (len(corpus) - 1) // num_steps
    initial_indices = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(initial_indices)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        idx = initial_indices[i:i + batch_size]
        yield (torch.tensor([corpus[j:j + num_steps] for j in idx]),
               torch.tensor([corpus[j + 1:j + 1 + num_steps] for j in idx]))


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng):
    offset = rng.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset:offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1:offset + 1 + num_tokens]).reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]


# ---------------------------------------------------------------- models (d2l 9.5-10.3)

class D2lGRU(nn.Module):
    """d2l's GRU from scratch (10.2), the reset gate applied before the hidden product:
    R = sigmoid(X W_xr + H W_hr + b_r), Z = sigmoid(X W_xz + H W_hz + b_z),
    H~ = tanh(X W_xh + (R * H) W_hh + b_h), H = Z * H + (1 - Z) * H~.
    (nn.GRU applies R after the product.) Parameters are named and laid out like nn.GRU's,
    gates r, z, n in rows, so the weights file has nn.GRU's names."""

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bidirectional = bidirectional
        dirs = 2 if bidirectional else 1
        self.suffixes = []
        for l in range(num_layers):
            for d in range(dirs):
                sfx = '_l%d%s' % (l, '_reverse' if d else '')
                size = input_size if l == 0 else dirs * hidden_size
                for name, shape in (('weight_ih', (3 * hidden_size, size)), ('weight_hh', (3 * hidden_size, hidden_size)),
                                    ('bias_ih', (3 * hidden_size,)), ('bias_hh', (3 * hidden_size,))):
                    self.register_parameter(name + sfx, nn.Parameter(torch.zeros(shape)))
                self.suffixes.append(sfx)

    def _direction(self, X, h, sfx):
        w_ih, w_hh = getattr(self, 'weight_ih' + sfx), getattr(self, 'weight_hh' + sfx)
        b_ih, b_hh = getattr(self, 'bias_ih' + sfx), getattr(self, 'bias_hh' + sfx)
        H = self.hidden_size
        xs = X @ w_ih.T + b_ih
        outputs = []
        for x in xs:
            x_r, x_z, x_h = x.split(H, -1)
            R = torch.sigmoid(x_r + h @ w_hh[:H].T + b_hh[:H])
            Z = torch.sigmoid(x_z + h @ w_hh[H:2 * H].T + b_hh[H:2 * H])
            H_tilde = torch.tanh(x_h + (R * h) @ w_hh[2 * H:].T + b_hh[2 * H:])
            h = Z * h + (1 - Z) * H_tilde
            outputs.append(h)
        return torch.stack(outputs), h

    def forward(self, X, state):
        dirs = 2 if self.bidirectional else 1
        finals = []
        for l in range(self.num_layers):
            outs = []
            for d in range(dirs):
                i = l * dirs + d
                Y, h = self._direction(X.flip(0) if d else X, state[i], self.suffixes[i])
                outs.append(Y.flip(0) if d else Y)
                finals.append(h)
            X = torch.cat(outs, -1)
        return X, torch.stack(finals)


class RNNModel(nn.Module):
    """d2l's RNNModel (9.6): a recurrent layer over one-hot (or embedded) tokens and a linear
    layer to the vocabulary."""

    def __init__(self, rnn_layer, vocab_size, embedding=0):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.num_directions = 2 if self.rnn.bidirectional else 1
        if embedding:
            self.embedding = nn.Embedding(vocab_size, embedding)
        else:
            self.embedding = None
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, self.vocab_size)

    def forward(self, inputs, state):
        if self.embedding is not None:
            X = self.embedding(inputs.T.long())
        else:
            X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
        return torch.zeros(shape, device=device)


def build_model(cfg, vocab_size):
    inputs = cfg['embedding'] or vocab_size
    args = dict(num_layers=cfg['layers'], bidirectional=cfg['bidirectional'])
    if cfg['model'] == 'gru' and cfg.get('variant', 'd2l') == 'd2l':
        layer = D2lGRU(inputs, cfg['hidden'], **args)
    else:
        layer = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[cfg['model']](inputs, cfg['hidden'], **args)
    return RNNModel(layer, vocab_size, cfg['embedding'])


def grad_clipping(net, theta):
    """d2l 9.5: rescale all gradients together when their global norm exceeds theta."""
    params = [p for p in net.parameters() if p.requires_grad and p.grad is not None]
    norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
    if norm > theta:
        for p in params:
            p.grad[:] *= theta / norm
    return float(norm)


# ---------------------------------------------------------------- training (d2l 9.5)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--epochs', type=int, default=None, help="epochs to train (default: the run's)")
    ap.add_argument('--out', default=os.path.join(HERE, 'checkpoints'), help='folder for model.safetensors and vocab.json')
    ap.add_argument('--max-batches', type=int, default=0, help='stop each epoch after this many batches (0 = all)')
    ap.add_argument('--log-steps', action='store_true', help='print every step\'s loss as a JSON line')
    ap.add_argument('--dump-first-batch', default=None, help='write the first batch and its loss (before any update) to this JSON file')
    ap.add_argument('--seed', type=int, default=None)
    args = ap.parse_args()

    with open(os.path.join(HERE, 'seqlab-run.json'), encoding='utf-8') as f:
        run = json.load(f)
    cfg = run['config']
    with open(os.path.join(HERE, 'vocab.json'), encoding='utf-8') as f:
        idx_to_token = json.load(f)
    token_to_idx = {t: i for i, t in enumerate(idx_to_token)}

    world = int(os.environ.get('WORLD_SIZE', '1'))
    cuda = torch.cuda.is_available()
    if world > 1:
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP
        dist.init_process_group('nccl' if cuda else 'gloo')
        rank = dist.get_rank()
    else:
        dist, rank = None, 0
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    device = torch.device('cuda', local_rank) if cuda else torch.device('cpu')
    if cfg['batch'] % world:
        sys.exit('train.py: the batch size %d does not split into %d equal shares; use a process count that divides it.' % (cfg['batch'], world))
    share = cfg['batch'] // world
    rows = slice(rank * share, (rank + 1) * share)
    if cfg.get('truncation', 'full') != 'full' and rank == 0:
        print("train.py: the run used %s truncation; this script trains with full BPTT over each window (d2l's train_epoch_ch8)." % cfg['truncation'], file=sys.stderr)

    net = build_model(cfg, len(idx_to_token))
    weights, meta = load_safetensors(os.path.join(HERE, 'model.safetensors'))
    net.load_state_dict(weights, strict=True)
    net.to(device)
    model = DDP(net, device_ids=[local_rank] if cuda else None) if world > 1 else net
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(net.parameters(), lr=cfg['lr']) if cfg.get('optimizer') == 'adam' else torch.optim.SGD(net.parameters(), lr=cfg['lr'])
    train, valid = load_corpus(os.path.join(HERE, 'corpus.txt'), cfg, token_to_idx, token_to_idx.get('<unk>', 0))
    seed = cfg.get('seed', 0) if args.seed is None else args.seed
    epochs = cfg['epochs'] if args.epochs is None else args.epochs
    start = int(run.get('epochsTrained', 0))
    history = json.loads(meta.get('history', '[]'))
    iterator = seq_data_iter_random if cfg.get('partition') == 'random' else seq_data_iter_sequential
    if rank == 0:
        print(json.dumps({'event': 'start', 'world': world, 'device': str(device), 'backend': ('nccl' if cuda else 'gloo') if world > 1 else None,
                          'model': cfg['model'], 'variant': cfg.get('variant', 'd2l'), 'epochs': epochs}), flush=True)
    os.makedirs(args.out, exist_ok=True)
    step = 0
    for epoch in range(start + 1, start + epochs + 1):
        rng = random.Random(seed * 100003 + epoch)
        state, total, count, t0 = None, 0.0, 0, time.time()
        for b, (X, Y) in enumerate(iterator(train, cfg['batch'], cfg['steps'], rng)):
            if args.max_batches and b >= args.max_batches:
                break
            X, Y = X[rows].to(device), Y[rows].to(device)
            if state is None or cfg.get('partition') == 'random':
                state = net.begin_state(device, batch_size=X.shape[0])
            elif isinstance(state, tuple):
                state = tuple(s.detach() for s in state)
            else:
                state = state.detach()
            y = Y.T.reshape(-1)
            y_hat, state = model(X, state)
            l = loss_fn(y_hat, y.long())
            opt.zero_grad()
            l.backward()
            if cfg.get('clip', 1) > 0:
                grad_clipping(net, cfg['clip'])
            n = torch.tensor([float(l) * y.numel(), float(y.numel())])
            if dist:
                dist.all_reduce(n)
            step += 1
            if rank == 0 and args.log_steps:
                print(json.dumps({'event': 'step', 'epoch': epoch, 'step': step, 'loss': float(n[0] / n[1])}), flush=True)
            if step == 1 and args.dump_first_batch and rank == 0 and world == 1:
                with open(args.dump_first_batch, 'w') as f:
                    json.dump({'X': X.tolist(), 'Y': Y.tolist(), 'loss': float(l)}, f)
            opt.step()
            total += float(n[0])
            count += int(n[1])
        if count == 0:
            sys.exit('train.py: the corpus gives no minibatch of %d x %d tokens.' % (cfg['batch'], cfg['steps']))
        elapsed = time.time() - t0
        ppl = math.exp(total / count)
        row = {'epoch': epoch, 'loss': total / count, 'perplexity': ppl, 'valPerplexity': None,
               'tokensPerSecond': count / max(elapsed, 1e-9), 'elapsedMs': elapsed * 1000}
        history.append(row)
        if rank == 0:
            print(json.dumps(dict(row, event='epoch')), flush=True)
            saved = dict(cfg, epochs=epoch)
            save_safetensors(net.state_dict(), os.path.join(args.out, 'model.safetensors'),
                             {'format': 'pt', 'seqlab': json.dumps({'format': 1, 'config': saved}, separators=(',', ':')),
                              'history': json.dumps(history, separators=(',', ':'))})
            with open(os.path.join(args.out, 'vocab.json'), 'w', encoding='utf-8') as f:
                json.dump(idx_to_token, f, ensure_ascii=False)
    if dist:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
