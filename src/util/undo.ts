// A stack of undo steps: each step that changes the host registers how to take the
// change back; on failure they run in reverse order, and one failing step does not
// stop the others.
export class UndoStack {
  private readonly steps: Array<() => unknown | Promise<unknown>> = [];

  push(step: () => unknown | Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step();
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return errors;
  }

  /** Forget the steps: the work they would undo is now wanted. */
  commit(): void {
    this.steps.length = 0;
  }
}
