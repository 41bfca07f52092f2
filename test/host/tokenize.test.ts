// Seqlab: Tokenize Selection in a real extension host: tokens, ids in the Time Machine
// vocabulary, unknowns, decorations on the selection only, and clear messages for bad input.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAll, run, expectUserError, openText } from './helpers';

interface Summary {
  tokenizer: string;
  scope: string;
  count: number;
  message: string;
  unknown: number;
  decorated: number;
  vocabulary: string;
  tokens: { text: string; id: number; unknown: boolean; start: number; end: number }[];
}

suite('Tokenize Selection', () => {
  suiteSetup(async () => {
    await api();
  });
  teardown(closeAll);

  test('char tokens of the whole document carry the Time Machine vocabulary ids (d2l 9.2)', async () => {
    await openText('The Time Machine, by H. G. Wells');
    const r = await run<Summary>(await api(), 'seqlab.tokenizeSelection', { tokenizer: 'char', quiet: true });
    assert.equal(r.scope, 'document');
    assert.equal(r.vocabulary, 'Time Machine');
    // textbook preprocessing: "the time machine by h g wells"
    assert.equal(r.tokens.map((t) => t.text).join(''), 'the time machine by h g wells');
    assert.equal(r.count, 29);
    // d2l's character vocabulary: <unk> 0, ' ' 1, e 2, t 3, a 4, i 5, n 6, o 7, s 8, h 9
    assert.deepEqual(r.tokens.slice(0, 4).map((t) => [t.text, t.id]), [['t', 3], ['h', 9], ['e', 2], [' ', 1]]);
    assert.equal(r.unknown, 0);
    assert.equal(r.decorated, 29);
  });

  test('word tokens of a selection: offsets point into the document, unknown words map to <unk>', async () => {
    const ed = await openText('first line\nthe traveller saw a xylophone\n');
    const doc = ed.document;
    ed.selection = new vscode.Selection(new vscode.Position(1, 0), new vscode.Position(1, 30));
    const r = await run<Summary>(await api(), 'seqlab.tokenizeSelection', { tokenizer: 'word', quiet: true });
    assert.equal(r.scope, 'selection');
    assert.deepEqual(r.tokens.map((t) => t.text), ['the', 'traveller', 'saw', 'a', 'xylophone']);
    assert.equal(r.tokens[0].id, 1); // d2l: "the" is the most frequent word
    assert.equal(r.tokens[3].id, 5); // "a"
    const unk = r.tokens.filter((t) => t.unknown);
    assert.deepEqual(unk.map((t) => [t.text, t.id]), [['xylophone', 0]]);
    assert.equal(r.unknown, 1);
    for (const t of r.tokens) assert.equal(doc.getText(new vscode.Range(doc.positionAt(t.start), doc.positionAt(t.end))).toLowerCase(), t.text);
  });

  test('BPE tokens cover the text', async () => {
    await openText('the time traveller');
    const r = await run<Summary>(await api(), 'seqlab.tokenizeSelection', { tokenizer: 'bpe', quiet: true });
    assert.equal(r.tokenizer, 'bpe');
    assert.ok(r.count >= 3 && r.count <= 18, `unexpected BPE token count ${r.count}`);
    assert.equal(r.tokens.map((t) => t.text).join('').replace(/\s+/g, ' ').trim(), 'the time traveller');
  });

  test('an empty document is said up front, as information, not an error (issue 19.8)', async () => {
    await openText('   \n  ');
    // No tokenizer given: the command must answer before it would ask for one.
    const r = await run<Summary>(await api(), 'seqlab.tokenizeSelection', { quiet: true });
    assert.equal(r.count, 0);
    assert.match(r.message, /^Nothing to tokenize: the document is empty\./);
  });

  test('text with no letters under textbook preprocessing says so', async () => {
    const a = await api();
    await openText('1234 5678 !!!');
    const msg = await expectUserError(a, 'seqlab.tokenizeSelection', { tokenizer: 'word', quiet: true });
    assert.match(msg, /no tokens/i);
  });

  test('binary content is refused with one sentence', async () => {
    const a = await api();
    await openText('abc\u0000\u0001def');
    const msg = await expectUserError(a, 'seqlab.tokenizeSelection', { tokenizer: 'char', quiet: true });
    assert.match(msg, /binary/i);
  });

  test('no editor open: clear message', async () => {
    const a = await api();
    await closeAll();
    const msg = await expectUserError(a, 'seqlab.tokenizeSelection', { tokenizer: 'char', quiet: true });
    assert.match(msg, /open a text editor/i);
  });
});
