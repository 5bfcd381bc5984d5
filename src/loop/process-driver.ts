/** Child processes: spawning, their stdio pipes as RawStreams, signals to them, exit status. (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ProcessDriver {}
