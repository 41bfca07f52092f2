#!/usr/bin/env python3
"""PyTorch's numbers for Seqlab's interop tests (test/unit/interop-*.test.ts).

Writes into test/fixtures/interop/, for each model NAME:
  NAME.safetensors   the model's state_dict, exactly as safetensors.torch.save_file writes it
  NAME.vocab.json    d2l's vocab.idx_to_token (json.dump(vocab.idx_to_token, f))
  NAME.io.json       inputs, PyTorch's logits and final states (float32 values), and for the
                     trained GRU its greedy continuation (d2l's predict_ch8)

Models (small, a few KB each), all built from d2l's PyTorch classes:
  rnn      RNNModel(nn.RNN), one layer, one-hot inputs
  gru      RNNModel(nn.GRU) trained briefly on the start of The Time Machine (PyTorch's GRU)
  lstm     RNNModel(nn.LSTM), 2 layers, bidirectional
  seq2seq  d2l's Seq2SeqEncoder / Seq2SeqDecoder (nn.GRU, 2 layers), teacher-forced logits

Regenerate (needs PyTorch, e.g. Debian's python3-torch; no network):
  /usr/bin/python3 scripts/interop/make-fixtures.py [--data ../shared/data/timemachine.txt]

safetensors is written by save_safetensors below (the format: an 8-byte little-endian header
length, a compact JSON header {name: {dtype, shape, data_offsets}} padded with spaces to a
multiple of 8, then the raw little-endian data, tensors ordered by dtype then name). When the
safetensors package can be imported, the script checks that its bytes equal
safetensors.torch.save_file's for every file.
"""
import argparse
import collections
import io
import json
import math
import os
import random
import re
import struct
import sys
import tempfile

import torch
from torch import nn
from torch.nn import functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'interop')


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        values = t.reshape(-1).tolist()
        blob = struct.pack('<%df' % len(values), *values)
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header, separators=(',', ':')).encode('utf-8')
    head += b' ' * ((8 - len(head) % 8) % 8)
    data = struct.pack('<Q', len(head)) + head + b''.join(blobs)
    with open(path, 'wb') as f:
        f.write(data)
    try:
        from safetensors.torch import save_file
    except ImportError:
        return 'own writer (safetensors not importable)'
    with tempfile.TemporaryDirectory() as d:
        ref = os.path.join(d, 'ref.safetensors')
        save_file({k: v.detach().contiguous() for k, v in tensors.items()}, ref)
        with open(ref, 'rb') as f:
            if f.read() != data:
                sys.exit('make-fixtures: %s differs from safetensors.torch.save_file output' % path)
    return 'identical to safetensors.torch.save_file'


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# ---------------------------------------------------------------- d2l 0.17's classes (PyTorch)

class Vocab:
    """d2l's Vocab: <unk> then reserved tokens, then by descending frequency."""

    def __init__(self, tokens, min_freq=0, reserved_tokens=()):
        counter = collections.Counter(t for line in tokens for t in line)
        self._token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = ['<unk>'] + list(reserved_tokens)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, token):
        return self.token_to_idx.get(token, 0)


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.num_directions = 2 if self.rnn.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, batch_size=1):
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape), torch.zeros(shape))
        return torch.zeros(shape)


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers)

    def forward(self, X):
        X = self.embedding(X).permute(1, 0, 2)
        output, state = self.rnn(X)
        return output, state


class Seq2SeqDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X, state, context):
        X = self.embedding(X).permute(1, 0, 2)
        context = context.repeat(X.shape[0], 1, 1)
        output, state = self.rnn(torch.cat((X, context), 2), state)
        return self.dense(output).permute(1, 0, 2), state


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder


def predict_ch8(prefix, num_preds, net, vocab):
    state = net.begin_state(batch_size=1)
    outputs = [vocab[prefix[0]]]
    get_input = lambda: torch.tensor([outputs[-1]]).reshape((1, 1))
    for y in prefix[1:]:
        _, state = net(get_input(), state)
        outputs.append(vocab[y])
    for _ in range(num_preds):
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return ''.join([vocab.idx_to_token[i] for i in outputs])


# ---------------------------------------------------------------- fixtures

def write(name, state_dict, idx_to_token, io_record, notes):
    how = save_safetensors(state_dict, os.path.join(OUT, name + '.safetensors'))
    with open(os.path.join(OUT, name + '.vocab.json'), 'w') as f:
        json.dump(idx_to_token, f)
    with open(os.path.join(OUT, name + '.io.json'), 'w') as f:
        json.dump(io_record, f, separators=(',', ':'))
    notes.append('%s: %s' % (name, how))


def lm_io(net, X):
    with torch.no_grad():
        logits, state = net(X, net.begin_state(batch_size=X.shape[0]))
    rec = {'X': X.tolist(), 'logits': floats(logits), 'logitsShape': list(logits.shape)}
    if isinstance(state, tuple):
        rec['h'], rec['c'] = floats(state[0]), floats(state[1])
    else:
        rec['h'] = floats(state)
    rec['stateShape'] = list((state[0] if isinstance(state, tuple) else state).shape)
    return rec


def toy_vocab():
    return Vocab([list('the time traveller was expounding')])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data', 'timemachine.txt'))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    notes = []
    X = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 8, 0, 9, 3, 2]])

    vocab = toy_vocab()
    V = len(vocab)
    rnn = RNNModel(nn.RNN(V, 8), V)
    write('rnn', rnn.state_dict(), vocab.idx_to_token, lm_io(rnn, X % V), notes)

    lstm = RNNModel(nn.LSTM(V, 6, num_layers=2, bidirectional=True), V)
    write('lstm', lstm.state_dict(), vocab.idx_to_token, lm_io(lstm, X % V), notes)

    # A GRU language model trained as in d2l 9.6 (concise), briefly, on the start of the book.
    with open(args.data, encoding='utf-8') as f:
        lines = [re.sub('[^A-Za-z]+', ' ', line).strip().lower() for line in f.readlines()][:600]
    tokens = [list(line) for line in lines]
    vocab = Vocab(tokens)
    V = len(vocab)
    corpus = [vocab[t] for line in tokens for t in line]
    gru = RNNModel(nn.GRU(V, 12), V)
    opt = torch.optim.SGD(gru.parameters(), lr=1)
    loss = nn.CrossEntropyLoss()
    rng = random.Random(0)
    B, T = 16, 20
    for epoch in range(12):
        offset = rng.randint(0, T)
        n = ((len(corpus) - offset - 1) // B) * B
        Xs = torch.tensor(corpus[offset:offset + n]).reshape(B, -1)
        Ys = torch.tensor(corpus[offset + 1:offset + 1 + n]).reshape(B, -1)
        state = None
        for i in range(0, (Xs.shape[1] // T) * T, T):
            xb, yb = Xs[:, i:i + T], Ys[:, i:i + T]
            state = gru.begin_state(B) if state is None else state.detach()
            y_hat, state = gru(xb, state)
            l = loss(y_hat, yb.T.reshape(-1))
            opt.zero_grad()
            l.backward()
            norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in gru.parameters()))
            if norm > 1:
                for p in gru.parameters():
                    p.grad[:] *= 1 / norm
            opt.step()
    rec = lm_io(gru, torch.tensor([[vocab[c] for c in 'time tr'], [vocab[c] for c in 'the gre']]))
    rec['prefix'] = 'time traveller'
    rec['greedy'] = predict_ch8('time traveller', 40, gru, vocab)
    rec['trainLoss'] = float(l)
    write('gru', gru.state_dict(), vocab.idx_to_token, rec, notes)

    # d2l's seq2seq (9.7), 2-layer GRU, small vocabularies with <pad>, <bos>, <eos>.
    src = Vocab([['go', '.', 'i', 'lost', 'he', "'s", 'calm', 'home']], reserved_tokens=['<pad>', '<bos>', '<eos>'])
    tgt = Vocab([['va', '!', "j'ai", 'perdu', '.', 'il', 'est', 'calme']], reserved_tokens=['<pad>', '<bos>', '<eos>'])
    enc = Seq2SeqEncoder(len(src), 4, 6, 2)
    dec = Seq2SeqDecoder(len(tgt), 4, 6, 2)
    net = EncoderDecoder(enc, dec)
    enc_X = torch.tensor([[4, 5, 3, 1, 1], [6, 7, 8, 9, 3]])
    dec_X = torch.tensor([[2, 4, 5, 3], [2, 6, 7, 8]])
    with torch.no_grad():
        enc_out, enc_state = enc(enc_X)
        logits, dec_state = dec(dec_X, enc_state, enc_out[-1])
    rec = {'encX': enc_X.tolist(), 'decX': dec_X.tolist(), 'logits': floats(logits), 'logitsShape': list(logits.shape),
           'encState': floats(enc_state), 'decState': floats(dec_state), 'stateShape': list(enc_state.shape)}
    # greedy translation of "go ." (d2l 9.7.4's predict_seq2seq, the context fixed at the
    # encoder's final state as in d2l 1.0), source padded to num_steps = 10
    num_steps = 10
    src_ids = [src[t] for t in ['go', '.']] + [src['<eos>']]
    src_ids += [src['<pad>']] * (num_steps - len(src_ids))
    with torch.no_grad():
        enc_out, state = enc(torch.tensor([src_ids]))
        context = enc_out[-1]
        dec_in, words = torch.tensor([[tgt['<bos>']]]), []
        for _ in range(num_steps):
            Y, state = dec(dec_in, state, context)
            dec_in = Y.argmax(dim=2)
            pred = int(dec_in.squeeze(dim=0).type(torch.int32).item())
            if pred == tgt['<eos>']:
                break
            words.append(tgt.idx_to_token[pred])
    rec['greedySource'] = 'go .'
    rec['greedy'] = ' '.join(words)
    with open(os.path.join(OUT, 'seq2seq.tgt-vocab.json'), 'w') as f:
        json.dump(tgt.idx_to_token, f)
    write('seq2seq', net.state_dict(), src.idx_to_token, rec, notes)

    for n in notes:
        print(n)
    print('torch', torch.__version__, '; wrote', OUT)


if __name__ == '__main__':
    main()
