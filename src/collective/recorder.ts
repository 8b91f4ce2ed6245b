// Where validated runs go: the history store (src/store/). The upload pipeline checks the upload
// line by line and lays it out as a run folder (report.json, run.json, measurements.jsonl) in a
// private spool; the recorder reads that folder as `store import` would and records the run in one
// transaction, or refuses it with the reason (RunRefusedError), leaving the store as it was.

export interface RecordOutcome {
  /** False when the same run (id and content) was stored before: nothing was added. */
  stored: boolean;
}

export interface RunRecorder {
  recordFolder(dir: string): Promise<RecordOutcome>;
  close(): Promise<void>;
}
