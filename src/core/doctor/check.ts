/** One line of `photobatch doctor`, and the problems that would stop a run. */
export type CheckStatus = 'ok' | 'warn' | 'fail';
export type CheckName = 'version' | 'node' | 'dotenv' | 'config' | 'server' | 'key_source' | 'key' | 'prices' | 'images' | 'perl';

export interface DoctorCheck {
  name: CheckName;
  status: CheckStatus;
  message: string;
  data?: Record<string, unknown>;
}

/** The first problem that stops a run, for the exit code: what a `run` would have stopped on. */
export type DoctorProblem = 'no_key' | 'key_rejected' | 'out_of_credits' | 'node_too_old' | 'unreachable';
