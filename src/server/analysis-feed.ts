import type { Sweep } from '../core/sweep.ts';
import type { AnalysisEvent } from '../analysis/online.ts';
import { AnalysisWorker } from '../analysis/worker/analysis-worker.ts';

/** The `analysis` event as the service publishes it: the analysis payload plus its experiment. */
export type AnalysisFeedEvent = AnalysisEvent & { experiment: string };

export interface AnalysisFeedOptions {
  publish: (event: AnalysisFeedEvent) => void;
  /** A failed analysis is reported here; acquisition and storage go on (DESIGN §3). */
  onError: (error: Error, experiment: string, sweep: number) => void;
}

/**
 * Online analysis of the service's experiments (issue 7): every stored sweep goes to the analysis
 * thread, its event is published on `/ws` and the latest kept for clients that connect later.
 * The thread is started at the first sweep and starts over with each new experiment.
 */
export class AnalysisFeed {
  private worker: AnalysisWorker | undefined;
  private experiment: string | undefined;
  private last: AnalysisFeedEvent | undefined;
  /** Keeps one experiment's results from landing after the next one began. */
  private generation = 0;

  constructor(private readonly opts: AnalysisFeedOptions) {}

  /** Called with each acquired sweep, before anything else may take its arrays (they are copied now). */
  onSweep(experiment: string, sweep: Sweep): void {
    this.worker ??= new AnalysisWorker();
    const worker = this.worker;
    if (experiment !== this.experiment) {
      this.experiment = experiment;
      this.last = undefined;
      this.generation++;
      void worker.reset().catch((e: Error) => this.opts.onError(e, experiment, sweep.index));
    }
    const generation = this.generation;
    worker.addSweep(sweep).then(
      (event) => {
        if (generation !== this.generation) return;
        this.last = { ...event, experiment };
        this.opts.publish(this.last);
      },
      (e: Error) => this.opts.onError(e, experiment, sweep.index),
    );
  }

  /** The latest event of `experiment`, if its analysis has produced one. */
  latest(experiment: string | undefined): AnalysisFeedEvent | undefined {
    return experiment !== undefined && this.last?.experiment === experiment ? this.last : undefined;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }
}
