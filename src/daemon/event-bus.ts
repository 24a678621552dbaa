// Fan-out of API events to subscribers (WebSocket clients, the UI later).
import type { TsvirtEvent } from '../protocol/types.js';

export type Listener = (ev: TsvirtEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit(ev: TsvirtEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a broken subscriber must not stop the others
      }
    }
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.listeners.size;
  }
}
