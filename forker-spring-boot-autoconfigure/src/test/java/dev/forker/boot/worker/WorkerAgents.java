package dev.forker.boot.worker;

import java.nio.channels.SocketChannel;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * Creates {@link WorkerAgent} instances for tests, without a master.
 */
public final class WorkerAgents {

	private WorkerAgents() {
	}

	/**
	 * Return an agent on an unconnected channel that never watches it.
	 * @param environment the worker environment
	 * @param channel the channel
	 * @return the agent
	 */
	public static WorkerAgent detached(WorkerEnvironment environment, SocketChannel channel) {
		return new WorkerAgent(environment, channel, (gone) -> {
		});
	}

}
