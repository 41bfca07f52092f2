/**
 * The textbook's data sets: where d2l downloads them, the SHA-1 it checks, and how to read
 * the file once it is on disk. `file` is the name looked for in every data folder.
 */
export interface DatasetEntry {
  name: 'timemachine' | 'fra-eng';
  title: string;
  file: string;
  url: string;
  /** SHA-1 of what `url` serves (the textbook's check). */
  sha1: string;
  /** SHA-1 of `file` itself, when the download is an archive. */
  fileSha1: string;
  /** For archives: the member that becomes `file`. */
  archiveMember?: string;
  licence: string;
  attribution?: string;
}

const D2L_DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/';

export const DATASETS: Record<DatasetEntry['name'], DatasetEntry> = {
  timemachine: {
    name: 'timemachine',
    title: 'H. G. Wells, The Time Machine',
    file: 'timemachine.txt',
    url: D2L_DATA_URL + 'timemachine.txt',
    sha1: '090b5e7e70c295757f55df93cb0a180b9691891a',
    fileSha1: '090b5e7e70c295757f55df93cb0a180b9691891a',
    licence: 'public domain (Project Gutenberg)',
  },
  'fra-eng': {
    name: 'fra-eng',
    title: 'English–French sentence pairs (Tatoeba / manythings.org)',
    file: 'fra-eng.txt',
    url: D2L_DATA_URL + 'fra-eng.zip',
    sha1: '94646ad1522d915e7b0f9296181140edcf86a4f5',
    fileSha1: 'c43f99dce27311d3afd4d3e0716848194cfcc103',
    archiveMember: 'fra-eng/fra.txt',
    licence: 'CC BY 2.0',
    attribution: 'www.manythings.org/anki and tatoeba.org, Creative Commons Attribution 2.0',
  },
};

export function isDatasetName(name: string): name is DatasetEntry['name'] {
  return Object.prototype.hasOwnProperty.call(DATASETS, name);
}

/** The credit a data set's licence asks for wherever it is shown (`fra-eng`, `fra-eng:fr`, …). */
export function datasetAttribution(spec: string): string | undefined {
  const name = spec.split(':')[0];
  return isDatasetName(name) ? DATASETS[name].attribution : undefined;
}
