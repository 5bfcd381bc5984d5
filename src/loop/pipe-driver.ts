/** Pipes: wrapping a file descriptor or a Node stream as a RawStream for connectReadPipe/connectWritePipe. (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PipeDriver {}
