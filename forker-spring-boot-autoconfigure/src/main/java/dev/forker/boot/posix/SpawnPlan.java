package dev.forker.boot.posix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which file descriptors a new process gets, and how {@code posix_spawn} is told: its
 * standard input from {@code /dev/null}, standard output and error shared with this
 * process, the inherited descriptors at 3, 4, ... in order, and nothing else.
 * <p>
 * Linux closes every other descriptor with a close action each. macOS (XNU) fails the
 * whole spawn on a close action for a descriptor that is already closed, and the listing
 * of open descriptors holds one the listing itself closes: there the spawn uses
 * {@code POSIX_SPAWN_CLOEXEC_DEFAULT}, which closes everything the actions do not
 * mention.
 *
 * @param flags the {@code posix_spawnattr_setflags} flags
 * @param actions the file actions, in order
 * @since 0.1.0
 */
public record SpawnPlan(short flags, List<Action> actions) {

	/**
	 * {@code POSIX_SPAWN_SETPGROUP}, the same on Linux and macOS.
	 */
	static final short SETPGROUP = 0x02;

	/**
	 * {@code POSIX_SPAWN_CLOEXEC_DEFAULT}, macOS only.
	 */
	static final short CLOEXEC_DEFAULT = 0x4000;

	/**
	 * First descriptor number of the inherited descriptors in the new process.
	 */
	public static final int FIRST_INHERITED_FD = 3;

	public SpawnPlan {
		actions = List.copyOf(actions);
	}

	/**
	 * Plan a spawn.
	 * @param macOs whether this is macOS
	 * @param openDescriptors the descriptors open in this process (only read on Linux,
	 * may hold descriptors that are closed meanwhile)
	 * @param inherited the descriptors of this process to pass, in order
	 * @return the plan
	 */
	public static SpawnPlan of(boolean macOs, Collection<Integer> openDescriptors, List<Integer> inherited) {
		List<Action> actions = new ArrayList<>();
		actions.add(new Action(Action.Kind.OPEN_DEV_NULL, 0, 0));
		// Move sources out of the target range first, so that no target overwrites a
		// source still to be moved
		int parking = FIRST_INHERITED_FD + inherited.size() + 1024;
		List<Integer> sources = new ArrayList<>(inherited);
		for (int i = 0; i < sources.size(); i++) {
			int source = sources.get(i);
			if (source < FIRST_INHERITED_FD + inherited.size()) {
				actions.add(new Action(Action.Kind.DUP2, source, parking));
				sources.set(i, parking++);
			}
		}
		for (int i = 0; i < sources.size(); i++) {
			actions.add(new Action(Action.Kind.DUP2, sources.get(i), FIRST_INHERITED_FD + i));
		}
		short flags = SETPGROUP;
		if (macOs) {
			flags |= CLOEXEC_DEFAULT;
		}
		else {
			Set<Integer> close = new TreeSet<>(openDescriptors);
			close.addAll(sources);
			for (int fd : close) {
				if (fd >= FIRST_INHERITED_FD + inherited.size()) {
					actions.add(new Action(Action.Kind.CLOSE, fd, fd));
				}
			}
		}
		return new SpawnPlan(flags, actions);
	}

	/**
	 * One file action.
	 *
	 * @param kind what it does
	 * @param fd the descriptor it acts on (the source of a {@code dup2})
	 * @param target the target of a {@code dup2}, or {@code fd}
	 */
	public record Action(Kind kind, int fd, int target) {

		/**
		 * The kinds of file action.
		 */
		public enum Kind {

			/**
			 * Open {@code /dev/null} read-only as {@code target}.
			 */
			OPEN_DEV_NULL,

			/**
			 * {@code dup2(fd, target)}.
			 */
			DUP2,

			/**
			 * {@code close(fd)}.
			 */
			CLOSE

		}

	}

}
