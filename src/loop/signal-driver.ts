/** Signal handlers of this process: adding and removing them. (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SignalDriver {}
