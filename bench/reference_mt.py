#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:mt`: d2l's own translator code, faithfully.

The functions and classes below are d2l's PyTorch code (the 0.17 / zh-2.0 edition's d2l/torch.py
and notebooks, chapters 9.5 "Machine Translation and the Dataset", 9.6 "Encoder-Decoder", 9.7
"Sequence to Sequence Learning", 10.3 "Attention Scoring Functions" and 10.4 "Bahdanau
Attention"): preprocess_nmt, tokenize_nmt, Vocab(min_freq=2, reserved <pad> <bos> <eos>),
truncate_pad, build_array_nmt, load_data_nmt, Seq2SeqEncoder, Seq2SeqDecoder (nn.GRU, dropout,
the context concatenated to every step), masked_softmax, AdditiveAttention,
Seq2SeqAttentionDecoder, sequence_mask, MaskedSoftmaxCELoss, grad_clipping and train_seq2seq
(xavier init of Linear and GRU weights, Adam, clipping θ = 1, teacher forcing with <bos>).
The only changes: the pairs file is a path argument instead of d2l's download, train_seq2seq's
loop runs a budget of batches (or seconds) after a warm-up instead of whole epochs, drawing
fresh shuffled epochs from the same DataLoader as needed, and it times with perf_counter.

How it was checked against d2l: every definition was compared line by line with d2l-ai/d2l-zh
d2l/torch.py (load_data_nmt … train_seq2seq, masked_softmax, AdditiveAttention) and the book's
Seq2SeqDecoder / Seq2SeqAttentionDecoder listings; `--check` prints what the book prints for the
textbook data (source/target vocabularies 184/201 for num_examples=600, the first batch's
shapes) and the output shapes of both decoders on d2l's toy example (batch 4, 7 steps, vocab
10, embed 8, hidden 16, 2 layers: output (4, 7, 10), state (2, 4, 16)), and the loss of the
book's MaskedSoftmaxCELoss example (tensor([2.3026, 1.1513, 0.0000])).

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Without libopenblas0-pthread Debian's torch uses the reference BLAS (~12x slower): not a fair
baseline; the output names the libblas it loaded.

  /usr/bin/python3 bench/reference_mt.py --data ../shared/data/fra-eng.txt            # textbook
  /usr/bin/python3 bench/reference_mt.py --model attention --embed 256 --hidden 256 \\
      --dropout 0.2 --batch 128 --num-steps 9 --num-examples 640 --batches 20
  /usr/bin/python3 bench/reference_mt.py --embed 128 --hidden 256 --dropout 0.2 --lr 0.002 \\
      --num-steps 15 --num-examples all --threads 2 --seconds 30

Prints one JSON line: {"tokensPerSecond" (target tokens, d2l's num_tokens = Y_valid_len.sum()),
"msPerBatch", "wallSeconds", "loss" (d2l's metric[0] / metric[1] over the timed batches),
"lastLoss" (the last batch's), sizes, threads, blas, …}; with --latency also the milliseconds
to translate one sentence greedily (d2l's predict_seq2seq) and with a beam of 4, ≤ 20 tokens.
A missing torch prints {"error": …} and exits 0 (the bench reports Seqlab alone then).
"""
import argparse
import collections
import json
import math
import os
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data', 'fra-eng.txt'),
                   help='the English<TAB>French pairs file (d2l\'s fra.txt)')
    p.add_argument('--model', choices=['seq2seq', 'attention'], default='seq2seq')
    p.add_argument('--embed', type=int, default=32)
    p.add_argument('--hidden', type=int, default=32)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--dropout', type=float, default=0.1)
    p.add_argument('--lr', type=float, default=0.005)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--num-steps', type=int, default=10)
    p.add_argument('--num-examples', default='600', help='first N pairs, or "all"')
    p.add_argument('--threads', type=int, default=1, help='torch threads and OpenBLAS threads (unless OPENBLAS_NUM_THREADS is set)')
    p.add_argument('--batches', type=int, default=20, help='timed batches (the budget)')
    p.add_argument('--seconds', type=float, default=0, help='instead of --batches: train timed batches for this long')
    p.add_argument('--warmup', type=int, default=2, help='untimed batches first')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--latency', action='store_true', help='also time greedy and beam-4 translation of one sentence')
    p.add_argument('--sentence', default="he's calm .")
    p.add_argument('--check', action='store_true', help="print the book's shapes/values checks and exit")
    return p.parse_args(argv)


ARGS = parse_args()
# OpenBLAS reads its pool size when the library loads, i.e. at `import torch`.
os.environ.setdefault('OPENBLAS_NUM_THREADS', str(ARGS.threads))

try:
    import torch
    from torch import nn
    from torch.utils import data
except ImportError:
    print(json.dumps({'error': 'torch missing: apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3'}))
    sys.exit(0)


# ------------------------------------------------------------------ d2l 9.5: the data set

def read_data_nmt(path, num_examples=None):
    """d2l's read_data_nmt, reading the given file instead of downloading fra-eng. Not d2l's:
    with num_examples it reads only the num_examples + 1 lines tokenize_nmt will look at, which
    gives the same pairs (preprocess_nmt looks one character back, and a line ends in '\\n')
    without preprocessing the whole 9 MB file (seconds per run)."""
    with open(path, 'r', encoding='utf-8') as f:
        if num_examples:
            return ''.join(line for _, line in zip(range(num_examples + 1), f))
        return f.read()


def preprocess_nmt(text):
    def no_space(char, prev_char):
        return char in set(',.!?') and prev_char != ' '

    text = text.replace('\u202f', ' ').replace('\xa0', ' ').lower()
    out = [' ' + char if i > 0 and no_space(char, text[i - 1]) else char
           for i, char in enumerate(text)]
    return ''.join(out)


def tokenize_nmt(text, num_examples=None):
    source, target = [], []
    for i, line in enumerate(text.split('\n')):
        if num_examples and i > num_examples:
            break
        parts = line.split('\t')
        if len(parts) == 2:
            source.append(parts[0].split(' '))
            target.append(parts[1].split(' '))
    return source, target


def count_corpus(tokens):
    if len(tokens) == 0 or isinstance(tokens[0], list):
        tokens = [token for line in tokens for token in line]
    return collections.Counter(tokens)


class Vocab:
    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        if tokens is None:
            tokens = []
        if reserved_tokens is None:
            reserved_tokens = []
        counter = count_corpus(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = ['<unk>'] + reserved_tokens
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(token) for token in tokens]

    def to_tokens(self, indices):
        if not isinstance(indices, (list, tuple)):
            return self.idx_to_token[indices]
        return [self.idx_to_token[index] for index in indices]

    @property
    def unk(self):
        return 0


def truncate_pad(line, num_steps, padding_token):
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


def build_array_nmt(lines, vocab, num_steps):
    lines = [vocab[l] for l in lines]
    lines = [l + [vocab['<eos>']] for l in lines]
    array = torch.tensor([truncate_pad(l, num_steps, vocab['<pad>']) for l in lines])
    valid_len = (array != vocab['<pad>']).type(torch.int32).sum(1)
    return array, valid_len


def load_array(data_arrays, batch_size, is_train=True):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def load_data_nmt(batch_size, num_steps, num_examples=600, path=None):
    text = preprocess_nmt(read_data_nmt(path, num_examples))
    source, target = tokenize_nmt(text, num_examples)
    src_vocab = Vocab(source, min_freq=2, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    tgt_vocab = Vocab(target, min_freq=2, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    data_arrays = (src_array, src_valid_len, tgt_array, tgt_valid_len)
    data_iter = load_array(data_arrays, batch_size)
    return data_iter, src_vocab, tgt_vocab


# ------------------------------------------------------------------ d2l 9.6 / 9.7: seq2seq

class Encoder(nn.Module):
    def forward(self, X, *args):
        raise NotImplementedError


class Decoder(nn.Module):
    def init_state(self, enc_outputs, *args):
        raise NotImplementedError

    def forward(self, X, state):
        raise NotImplementedError


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder, **kwargs):
        super(EncoderDecoder, self).__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)


class Seq2SeqEncoder(Encoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(Seq2SeqEncoder, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, *args):
        X = self.embedding(X)
        X = X.permute(1, 0, 2)
        output, state = self.rnn(X)
        return output, state


class Seq2SeqDecoder(Decoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(Seq2SeqDecoder, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        return enc_outputs[1]

    def forward(self, X, state):
        X = self.embedding(X).permute(1, 0, 2)
        # Broadcast `context` so it has the same `num_steps` as `X`
        context = state[-1].repeat(X.shape[0], 1, 1)
        X_and_context = torch.cat((X, context), 2)
        output, state = self.rnn(X_and_context, state)
        output = self.dense(output).permute(1, 0, 2)
        return output, state


def sequence_mask(X, valid_len, value=0):
    maxlen = X.size(1)
    mask = torch.arange((maxlen), dtype=torch.float32, device=X.device)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    # pred: (batch_size, num_steps, vocab_size); label: (batch_size, num_steps); valid_len: (batch_size,)
    def forward(self, pred, label, valid_len):
        weights = torch.ones_like(label)
        weights = sequence_mask(weights, valid_len)
        self.reduction = 'none'
        unweighted_loss = super(MaskedSoftmaxCELoss, self).forward(pred.permute(0, 2, 1), label)
        weighted_loss = (unweighted_loss * weights).mean(dim=1)
        return weighted_loss


def grad_clipping(net, theta):
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


# ------------------------------------------------------------------ d2l 10.3 / 10.4: attention

def masked_softmax(X, valid_lens):
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    else:
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):
    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class AttentionDecoder(Decoder):
    @property
    def attention_weights(self):
        raise NotImplementedError


class Seq2SeqAttentionDecoder(AttentionDecoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(Seq2SeqAttentionDecoder, self).__init__(**kwargs)
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens, *args):
        # outputs: (num_steps, batch_size, num_hiddens) -> (batch_size, num_steps, num_hiddens)
        outputs, hidden_state = enc_outputs
        return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

    def forward(self, X, state):
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)
        outputs, self._attention_weights = [], []
        for x in X:
            # query: (batch_size, 1, num_hiddens)
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

    @property
    def attention_weights(self):
        return self._attention_weights


# ------------------------------------------------------------------ d2l 9.7: training

def xavier_init_weights(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) == nn.GRU:
        for param in m._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(m._parameters[param])


def batches_forever(data_iter):
    """Fresh shuffled epochs of d2l's DataLoader, one after another (the budget may exceed an epoch)."""
    while True:
        for batch in data_iter:
            yield batch


def train_seq2seq(net, data_iter, lr, tgt_vocab, device, warmup, budget_batches, budget_seconds):
    """d2l's train_seq2seq, its epoch loop replaced by `warmup` untimed batches and a timed budget."""
    net.apply(xavier_init_weights)
    net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    net.train()
    metric = [0.0, 0.0]  # d2l.Accumulator(2): sum of training losses, no. of tokens
    last = float('nan')
    n = 0
    start = None
    it = batches_forever(data_iter)
    while True:
        if n == warmup:
            start = time.perf_counter()
        if start is not None:
            timed = n - warmup
            if budget_seconds > 0:
                if timed > 0 and time.perf_counter() - start >= budget_seconds:
                    break
            elif timed >= budget_batches:
                break
        batch = next(it)
        optimizer.zero_grad()
        X, X_valid_len, Y, Y_valid_len = [x.to(device) for x in batch]
        bos = torch.tensor([tgt_vocab['<bos>']] * Y.shape[0], device=device).reshape(-1, 1)
        dec_input = torch.cat([bos, Y[:, :-1]], 1)  # Teacher forcing
        Y_hat, _ = net(X, dec_input, X_valid_len)
        l = loss(Y_hat, Y, Y_valid_len)
        l.sum().backward()  # Make the loss scalar for `backward`
        grad_clipping(net, 1)
        num_tokens = Y_valid_len.sum()
        optimizer.step()
        with torch.no_grad():
            if start is not None:
                metric[0] += float(l.sum())
                metric[1] += float(num_tokens)
            last = float(l.sum()) / max(1.0, float(num_tokens))
        n += 1
    wall = time.perf_counter() - start
    timed = n - warmup
    return {'batches': timed, 'tokens': int(metric[1]), 'wallSeconds': wall,
            'tokensPerSecond': metric[1] / wall, 'msPerBatch': 1000 * wall / timed,
            'loss': metric[0] / max(1.0, metric[1]), 'lastLoss': last}


# ------------------------------------------------------------------ prediction

def predict_seq2seq(net, src_sentence, src_vocab, tgt_vocab, num_steps, device, save_attention_weights=False, max_len=None):
    """d2l's predict_seq2seq (greedy); `max_len` (not d2l's) caps the output apart from the source's num_steps."""
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(' ')] + [src_vocab['<eos>']]
    enc_valid_len = torch.tensor([len(src_tokens)], device=device)
    src_tokens = truncate_pad(src_tokens, num_steps, src_vocab['<pad>'])
    enc_X = torch.unsqueeze(torch.tensor(src_tokens, dtype=torch.long, device=device), dim=0)
    enc_outputs = net.encoder(enc_X, enc_valid_len)
    dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
    dec_X = torch.unsqueeze(torch.tensor([tgt_vocab['<bos>']], dtype=torch.long, device=device), dim=0)
    output_seq, attention_weight_seq = [], []
    for _ in range(max_len or num_steps):
        Y, dec_state = net.decoder(dec_X, dec_state)
        dec_X = Y.argmax(dim=2)
        pred = dec_X.squeeze(dim=0).type(torch.int32).item()
        if save_attention_weights:
            attention_weight_seq.append(net.decoder.attention_weights)
        if pred == tgt_vocab['<eos>']:
            break
        output_seq.append(pred)
    return ' '.join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq


def beam_search(net, src_sentence, src_vocab, tgt_vocab, num_steps, max_len, k, device, alpha=0.75):
    """Not d2l code (the book describes beam search, 9.8, without a listing): k hypotheses decoded
    as one batch of k per step, finished at <eos>, ranked by (1/L^α) Σ log P as the book's score.
    The timing comparison for Seqlab's beam 4; the seq2seq decoder re-reads its context from its
    state as the 0.17 decoder does (timing is the same either way)."""
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(' ')] + [src_vocab['<eos>']]
    enc_valid_len = torch.tensor([len(src_tokens)], device=device)
    src_tokens = truncate_pad(src_tokens, num_steps, src_vocab['<pad>'])
    enc_X = torch.tensor([src_tokens], dtype=torch.long, device=device)
    enc_outputs = net.encoder(enc_X, enc_valid_len)
    state = net.decoder.init_state(enc_outputs, enc_valid_len)
    eos = tgt_vocab['<eos>']
    beams = [([], 0.0)]
    finished = []

    def repeat_state(state, idx):
        if isinstance(state, torch.Tensor):  # seq2seq: (layers, B, H)
            return state[:, idx]
        enc, hidden, lens = state
        return [enc[idx], hidden[:, idx], lens[idx]]

    for _ in range(max_len):
        last = [seq[-1] if seq else tgt_vocab['<bos>'] for seq, _ in beams]
        dec_X = torch.tensor(last, dtype=torch.long, device=device).reshape(-1, 1)
        Y, state = net.decoder(dec_X, state)
        logp = torch.log_softmax(Y[:, 0], dim=-1)
        scores = torch.tensor([s for _, s in beams]).reshape(-1, 1) + logp
        top = torch.topk(scores.reshape(-1), k)
        V = logp.shape[1]
        keep, keep_idx = [], []
        for score, flat in zip(top.values.tolist(), top.indices.tolist()):
            b, tok = divmod(flat, V)
            seq = beams[b][0] + [tok]
            if tok == eos:
                finished.append((seq[:-1], score))
            else:
                keep.append((seq, score))
                keep_idx.append(b)
        if not keep:
            break
        beams = keep
        state = repeat_state(state, torch.tensor(keep_idx))
    finished.extend(beams)
    best = max(finished, key=lambda c: c[1] / math.pow(max(1, len(c[0])), alpha))
    return ' '.join(tgt_vocab.to_tokens(best[0]))


def latency_ms(fn, reps=20):
    fn()  # warm
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        with torch.no_grad():
            fn()
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return times[len(times) // 2]


def blas_info():
    """Which libblas the dynamic linker resolved (Debian's torch links the generic name)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {l.split()[-1] for l in f if 'blas' in l}
        return ', '.join(sorted(libs)) or 'unknown'
    except OSError:
        return 'unknown'


def make_net(model, src_size, tgt_size, embed, hidden, layers, dropout):
    encoder = Seq2SeqEncoder(src_size, embed, hidden, layers, dropout)
    dec_cls = Seq2SeqAttentionDecoder if model == 'attention' else Seq2SeqDecoder
    decoder = dec_cls(tgt_size, embed, hidden, layers, dropout)
    return EncoderDecoder(encoder, decoder)


def check(args):
    """The book's printed values (see the module docstring)."""
    out = {}
    text = preprocess_nmt(read_data_nmt(args.data, 600))
    source, target = tokenize_nmt(text, 600)
    out['textbookVocab'] = [len(Vocab(source, 2, ['<pad>', '<bos>', '<eos>'])), len(Vocab(target, 2, ['<pad>', '<bos>', '<eos>']))]
    it, sv, tv = load_data_nmt(2, 8, 600, args.data)
    X, X_valid_len, Y, Y_valid_len = next(iter(it))
    out['firstBatch'] = {'X': list(X.shape), 'Y': list(Y.shape)}
    for model in ('seq2seq', 'attention'):
        enc = Seq2SeqEncoder(10, 8, 16, 2)
        enc.eval()
        dec = (Seq2SeqAttentionDecoder if model == 'attention' else Seq2SeqDecoder)(10, 8, 16, 2)
        dec.eval()
        Xt = torch.zeros((4, 7), dtype=torch.long)
        state = dec.init_state(enc(Xt), torch.tensor([7, 7, 7, 7]))
        o, s = dec(Xt, state)
        out[model] = {'output': list(o.shape), 'state': list((s if model == 'seq2seq' else s[1]).shape)}
    loss = MaskedSoftmaxCELoss()
    out['maskedLoss'] = [round(v, 4) for v in loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])).tolist()]
    out['maskedSoftmax'] = masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))[0, 0, 2:].tolist()
    print(json.dumps(out))


def main(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.check:
        check(args)
        return
    num_examples = None if args.num_examples == 'all' else int(args.num_examples)
    t0 = time.perf_counter()
    data_iter, src_vocab, tgt_vocab = load_data_nmt(args.batch, args.num_steps, num_examples, args.data)
    data_seconds = time.perf_counter() - t0
    device = torch.device('cpu')
    net = make_net(args.model, len(src_vocab), len(tgt_vocab), args.embed, args.hidden, args.layers, args.dropout)
    r = train_seq2seq(net, data_iter, args.lr, tgt_vocab, device, args.warmup, args.batches, args.seconds)
    result = {
        'model': args.model, 'threads': args.threads, 'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'),
        'torch': torch.__version__, 'blas': blas_info(),
        'pairs': len(data_iter.dataset), 'srcVocab': len(src_vocab), 'tgtVocab': len(tgt_vocab),
        'embed': args.embed, 'hidden': args.hidden, 'layers': args.layers, 'dropout': args.dropout, 'lr': args.lr,
        'batch': args.batch, 'numSteps': args.num_steps, 'warmup': args.warmup, 'seed': args.seed,
        'dataSeconds': data_seconds, **r,
    }
    if args.latency:
        s = args.sentence
        result['greedy'] = predict_seq2seq(net, s, src_vocab, tgt_vocab, args.num_steps, device, max_len=20)[0]
        result['greedyMs'] = latency_ms(lambda: predict_seq2seq(net, s, src_vocab, tgt_vocab, args.num_steps, device, max_len=20))
        result['beam4'] = beam_search(net, s, src_vocab, tgt_vocab, args.num_steps, 20, 4, device)
        result['beam4Ms'] = latency_ms(lambda: beam_search(net, s, src_vocab, tgt_vocab, args.num_steps, 20, 4, device))
    print(json.dumps(result))


if __name__ == '__main__':
    main(ARGS)
