// Log helpers. code-server tries open-vsx, telemetry and update hosts even with all of
// that switched off; on a machine without internet those fail harmlessly and only bury
// real errors, so they are dropped from what we print.
const noise = [
  /getaddrinfo (ENOTFOUND|EAI_AGAIN)/,
  /open-vsx\.org|marketplace\.visualstudio\.com|vscode-update|update\.code\.visualstudio/i,
  /dc\.services\.visualstudio|mobile\.events\.data\.microsoft|default\.exp-tas\.com/i,
  /ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ENETUNREACH|ECONNREFUSED.*:443/,
  /Failed to fetch|net::ERR_/,
  /^Canceled: Canceled/, // requests the workbench drops while the extension host exits
  /authentication provider 'github'/,
  /\[(ExtensionGalleryService|extensionGallery|ExtensionManagementService)\].*(fetch|request)/i,
];

export function isNoise(line: string): boolean {
  return noise.some((re) => re.test(line));
}

export function log(msg: string): void {
  process.stderr.write(`[harness] ${msg}\n`);
}

/** Prints each complete, non-noise line of a child stream with a prefix. */
export function pipeLines(stream: NodeJS.ReadableStream, prefix: string, sink: (l: string) => void = (l) => process.stderr.write(l + '\n')): void {
  let buf = '';
  stream.setEncoding?.('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.trim() && !isNoise(l)) sink(`${prefix}${l}`);
  });
}

/** Colours when our stdout is a terminal, or when the orchestrator (which pipes us) says so. */
export function useColor(): boolean {
  const force = process.env.FORCE_COLOR;
  return force !== undefined ? force !== '0' : Boolean(process.stdout.isTTY);
}
