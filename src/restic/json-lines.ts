// An incremental reader of restic's output. Feed it chunks of stdout and stderr text as they arrive; it
// returns one typed event per complete line. It never throws on content: a line that is not JSON, JSON that
// is not a known message, or a message with missing or mistyped fields still yields an event (text, json,
// or typed with zero defaults), because restic mixes plain text into JSON output (`forget --prune`, warnings)
// and omits fields whose value is zero. The event types are in events.ts.

import {
  isObject,
  num as finiteNumber,
  str as stringValue,
  strings as stringArray,
  type JsonObject,
} from '../common/json.ts';
import type {
  BackupStatusEvent,
  BackupSummaryEvent,
  CheckSummaryEvent,
  ErrorEvent,
  ResticEvent,
  ResticOutputCommand,
  RestoreCounts,
  ResticStream,
  RestoreStatusEvent,
  RestoreSummaryEvent,
} from './events.ts';

export interface ResticOutputParserOptions {
  command?: ResticOutputCommand;
  /** Longer lines are cut to this many characters, so a runaway line cannot exhaust memory. */
  maxLineLength?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

interface StreamState {
  buffer: string;
  /** Inside an over-long line whose head was already emitted: drop text up to the next newline. */
  discarding: boolean;
}

/** Incremental parser; one instance per restic process. */
export class ResticOutputParser {
  readonly #command: ResticOutputCommand;
  readonly #maxLineLength: number;
  readonly #streams: Record<ResticStream, StreamState> = {
    stdout: { buffer: '', discarding: false },
    stderr: { buffer: '', discarding: false },
  };

  constructor(options: ResticOutputParserOptions = {}) {
    this.#command = options.command ?? 'auto';
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError('maxLineLength must be a positive integer');
    this.#maxLineLength = max;
  }

  /** Consumes a chunk and returns the events of every line it completes, in order. */
  push(chunk: string, stream: ResticStream = 'stdout'): ResticEvent[] {
    const state = this.#streams[stream];
    const events: ResticEvent[] = [];
    let rest = chunk;
    for (;;) {
      const newline = rest.indexOf('\n');
      if (newline === -1) break;
      const piece = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (state.discarding) {
        state.discarding = false;
        state.buffer = '';
        continue;
      }
      this.#emit(state.buffer + piece, stream, events);
      state.buffer = '';
    }
    if (!state.discarding) {
      state.buffer += rest;
      if (state.buffer.length > this.#maxLineLength) {
        events.push({
          type: 'text',
          stream,
          line: state.buffer.slice(0, this.#maxLineLength),
          truncated: true,
        });
        state.buffer = '';
        state.discarding = true;
      }
    }
    return events;
  }

  /** Flushes a last line without a trailing newline, on both streams (stdout first). */
  end(): ResticEvent[] {
    const events: ResticEvent[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const state = this.#streams[stream];
      if (!state.discarding && state.buffer !== '') this.#emit(state.buffer, stream, events);
      state.buffer = '';
      state.discarding = false;
    }
    return events;
  }

  #emit(raw: string, stream: ResticStream, events: ResticEvent[]): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > this.#maxLineLength) {
      events.push({ type: 'text', stream, line: line.slice(0, this.#maxLineLength), truncated: true });
      return;
    }
    const event = parseResticLine(line, stream, this.#command);
    if (event) events.push(event);
  }
}

/** Parses one complete line; undefined for a blank line. */
export function parseResticLine(
  line: string,
  stream: ResticStream = 'stdout',
  command: ResticOutputCommand = 'auto',
): ResticEvent | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return { type: 'text', stream, line };
    }
    return fromJson(value, stream, command);
  }
  return { type: 'text', stream, line };
}

// Field readers with restic's zero defaults: restic omits a field whose value is zero or empty.
type Json = JsonObject;
const num = (o: Json, key: string): number => finiteNumber(o[key]) ?? 0;
const str = (o: Json, key: string): string => stringValue(o[key]) ?? '';
const strings = (o: Json, key: string): string[] => stringArray(o[key]);
function optStr(o: Json, key: string): string | undefined {
  const v = stringValue(o[key]);
  return v === '' ? undefined : v;
}

function fromJson(value: unknown, stream: ResticStream, command: ResticOutputCommand): ResticEvent {
  if (!isObject(value) || typeof value.message_type !== 'string') return { type: 'json', stream, value };
  const o = value;
  const messageType = value.message_type;
  switch (messageType) {
    case 'status':
      return isRestore(o, command) ? restoreStatus(o, stream) : backupStatus(o, stream);
    case 'verbose_status':
      return {
        type: 'verbose_status',
        stream,
        action: str(o, 'action'),
        item: str(o, 'item'),
        duration: num(o, 'duration'),
        dataSize: num(o, 'data_size'),
        dataSizeInRepo: num(o, 'data_size_in_repo'),
        metadataSize: num(o, 'metadata_size'),
        metadataSizeInRepo: num(o, 'metadata_size_in_repo'),
        totalFiles: num(o, 'total_files'),
        size: num(o, 'size'),
      };
    case 'error':
      return errorEvent(o, stream);
    case 'summary':
      if (command === 'check' || (command === 'auto' && 'num_errors' in o)) return checkSummary(o, stream);
      return isRestore(o, command) ? restoreSummary(o, stream) : backupSummary(o, stream);
    case 'exit_error':
      return { type: 'exit_error', stream, code: num(o, 'code'), message: str(o, 'message') };
    case 'initialized':
      return { type: 'initialized', stream, id: str(o, 'id'), repository: str(o, 'repository') };
    default:
      return { type: 'json', stream, messageType, value };
  }
}

function isRestore(o: Json, command: ResticOutputCommand): boolean {
  if (command === 'restore') return true;
  if (command !== 'auto') return false;
  return 'files_restored' in o || 'bytes_restored' in o || 'files_skipped' in o;
}

function backupStatus(o: Json, stream: ResticStream): BackupStatusEvent {
  return {
    type: 'status',
    stream,
    secondsElapsed: num(o, 'seconds_elapsed'),
    secondsRemaining: num(o, 'seconds_remaining'),
    percentDone: num(o, 'percent_done'),
    totalFiles: num(o, 'total_files'),
    filesDone: num(o, 'files_done'),
    totalBytes: num(o, 'total_bytes'),
    bytesDone: num(o, 'bytes_done'),
    errorCount: num(o, 'error_count'),
    currentFiles: strings(o, 'current_files'),
  };
}

function restoreStatus(o: Json, stream: ResticStream): RestoreStatusEvent {
  return {
    type: 'restore_status',
    stream,
    secondsElapsed: num(o, 'seconds_elapsed'),
    percentDone: num(o, 'percent_done'),
    ...restoreCounts(o),
  };
}

function restoreCounts(o: Json): RestoreCounts {
  return {
    totalFiles: num(o, 'total_files'),
    filesRestored: num(o, 'files_restored'),
    filesSkipped: num(o, 'files_skipped'),
    filesDeleted: num(o, 'files_deleted'),
    totalBytes: num(o, 'total_bytes'),
    bytesRestored: num(o, 'bytes_restored'),
    bytesSkipped: num(o, 'bytes_skipped'),
  };
}

function restoreSummary(o: Json, stream: ResticStream): RestoreSummaryEvent {
  return { type: 'restore_summary', stream, secondsElapsed: num(o, 'seconds_elapsed'), ...restoreCounts(o) };
}

// Backup and restore errors nest the message (`error.message`); check errors carry it flat (`message`).
function errorEvent(o: Json, stream: ResticStream): ErrorEvent {
  const nested = isObject(o.error) ? str(o.error, 'message') : typeof o.error === 'string' ? o.error : '';
  const event: ErrorEvent = { type: 'error', stream, message: nested !== '' ? nested : str(o, 'message') };
  const during = optStr(o, 'during');
  const item = optStr(o, 'item');
  if (during !== undefined) event.during = during;
  if (item !== undefined) event.item = item;
  return event;
}

function backupSummary(o: Json, stream: ResticStream): BackupSummaryEvent {
  const event: BackupSummaryEvent = {
    type: 'summary',
    stream,
    dryRun: o.dry_run === true,
    filesNew: num(o, 'files_new'),
    filesChanged: num(o, 'files_changed'),
    filesUnmodified: num(o, 'files_unmodified'),
    dirsNew: num(o, 'dirs_new'),
    dirsChanged: num(o, 'dirs_changed'),
    dirsUnmodified: num(o, 'dirs_unmodified'),
    dataBlobs: num(o, 'data_blobs'),
    treeBlobs: num(o, 'tree_blobs'),
    dataAdded: num(o, 'data_added'),
    dataAddedPacked: num(o, 'data_added_packed'),
    totalFilesProcessed: num(o, 'total_files_processed'),
    totalBytesProcessed: num(o, 'total_bytes_processed'),
    totalDuration: num(o, 'total_duration'),
  };
  const start = optStr(o, 'backup_start');
  const end = optStr(o, 'backup_end');
  const snapshotId = optStr(o, 'snapshot_id');
  if (start !== undefined) event.backupStart = start;
  if (end !== undefined) event.backupEnd = end;
  if (snapshotId !== undefined) event.snapshotId = snapshotId;
  return event;
}

function checkSummary(o: Json, stream: ResticStream): CheckSummaryEvent {
  return {
    type: 'check_summary',
    stream,
    numErrors: num(o, 'num_errors'),
    brokenPacks: strings(o, 'broken_packs'),
    suggestRepairIndex: o.suggest_repair_index === true,
    suggestPrune: o.suggest_prune === true,
  };
}
