package dev.forker.boot.posix;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.forker.boot.posix.SpawnPlan.Action;
import dev.forker.boot.posix.SpawnPlan.Action.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SpawnPlan}.
 */
class SpawnPlanTests {

	@Test
	void linuxClosesEveryOtherDescriptorAfterPlacingTheInheritedOnes() {
		SpawnPlan plan = SpawnPlan.of(false, List.of(0, 1, 2, 5, 7, 12, 40), List.of(40, 12));
		assertThat(plan.flags()).isEqualTo(SpawnPlan.SETPGROUP);
		assertThat(plan.actions()).containsExactly(new Action(Kind.OPEN_DEV_NULL, 0, 0), new Action(Kind.DUP2, 40, 3),
				new Action(Kind.DUP2, 12, 4), new Action(Kind.CLOSE, 5, 5), new Action(Kind.CLOSE, 7, 7),
				new Action(Kind.CLOSE, 12, 12), new Action(Kind.CLOSE, 40, 40));
	}

	@Test
	void macOsClosesEverythingElseWithTheSpawnFlagInsteadOfCloseActions() {
		SpawnPlan plan = SpawnPlan.of(true, List.of(0, 1, 2, 5, 7, 12, 40), List.of(40, 12));
		assertThat(plan.flags()).isEqualTo((short) (SpawnPlan.SETPGROUP | SpawnPlan.CLOEXEC_DEFAULT));
		assertThat(plan.actions()).extracting(Action::kind).doesNotContain(Kind.CLOSE);
		assertThat(plan.actions()).containsExactly(new Action(Kind.OPEN_DEV_NULL, 0, 0), new Action(Kind.DUP2, 40, 3),
				new Action(Kind.DUP2, 12, 4));
	}

	@Test
	void sourcesInTheTargetRangeAreMovedOutOfTheWayFirst() {
		// Descriptor 4 must become 3 and descriptor 3 must become 4
		SpawnPlan plan = SpawnPlan.of(false, List.of(0, 1, 2, 3, 4), List.of(4, 3));
		List<Action> actions = plan.actions();
		int[] descriptors = simulate(actions, 4);
		assertThat(descriptors[3]).as("new descriptor 3 holds what was 4").isEqualTo(4);
		assertThat(descriptors[4]).as("new descriptor 4 holds what was 3").isEqualTo(3);
	}

	@Test
	void noInheritedDescriptorsLeavesOnlyTheStandardStreams() {
		SpawnPlan plan = SpawnPlan.of(false, List.of(0, 1, 2, 3, 9), List.of());
		assertThat(plan.actions()).containsExactly(new Action(Kind.OPEN_DEV_NULL, 0, 0), new Action(Kind.CLOSE, 3, 3),
				new Action(Kind.CLOSE, 9, 9));
	}

	/**
	 * Run the actions on a table of descriptors whose slot {@code n} starts out holding
	 * {@code n}, and return what descriptors 0 to {@code highest} hold at the end.
	 */
	private static int[] simulate(List<Action> actions, int highest) {
		int[] table = new int[4096];
		for (int i = 0; i < table.length; i++) {
			table[i] = i;
		}
		for (Action action : actions) {
			switch (action.kind()) {
				case OPEN_DEV_NULL -> table[action.target()] = -1;
				case DUP2 -> table[action.target()] = table[action.fd()];
				case CLOSE -> table[action.fd()] = -2;
			}
		}
		return java.util.Arrays.copyOf(table, highest + 1);
	}

}
