import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * A Vitest sequencer that starts `slowFirst` (paths from the repository root, slowest first)
 * before every other file. Vitest orders files by their last durations when it has them, but a
 * clean checkout (CI) has none, and then it orders them by size: a short file whose tests
 * start servers for minutes can come last and run alone on one worker while the others idle.
 * Started first, the slow files run beside the many quick ones.
 */
export function slowFirstSequencer(
  slowFirst: readonly string[],
): new (...args: ConstructorParameters<typeof BaseSequencer>) => BaseSequencer {
  const rank = new Map(slowFirst.map((path, index) => [path, index]));
  return class SlowFirstSequencer extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const sorted = await super.sort(files);
      const rankOf = (file: TestSpecification): number =>
        rank.get(relative(this.ctx.config.root, file.moduleId)) ?? slowFirst.length;
      // Array.prototype.sort is stable: the other files keep Vitest's order.
      return [...sorted].sort((a, b) => rankOf(a) - rankOf(b));
    }
  };
}
