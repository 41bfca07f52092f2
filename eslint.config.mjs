// ESLint flat config: typescript-eslint's recommended rules plus the layering rules
// that keep src/core free of VS Code (it runs in Node, a worker and the CLI) and the
// webviews free of the core and the host (what a panel needs arrives in messages).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '**/*.wasm', 'native/build/**', 'data-bundle/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', Response: 'readonly', performance: 'readonly', WebAssembly: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', window: 'readonly', document: 'readonly', navigator: 'readonly', acquireVsCodeApi: 'readonly', HTMLElement: 'readonly', getComputedStyle: 'readonly', requestAnimationFrame: 'readonly', MessageEvent: 'readonly', Blob: 'readonly', Image: 'readonly', XMLSerializer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core must run without VS Code; put editor glue in src/extension.' }],
          patterns: [{ group: ['**/extension/**', '**/worker/**', '**/webview/**'], message: 'src/core may not depend on outer layers.' }],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Webviews run in the browser; talk to the host through src/protocol messages.' }],
          patterns: [
            {
              group: ['**/src/core', '**/src/core/**', '**/src/extension/**', '**/src/worker/**', '**/src/cli/**'],
              message: 'Webviews import nothing from src/core or the host: what a panel needs arrives in messages (src/protocol).',
            },
          ],
        },
      ],
    },
  },
);
