package dev.forker.boot.scheduling;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.Ordered;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.scheduling.config.Task;

import dev.forker.boot.worker.WorkerAgent;

/**
 * Makes the application's scheduled jobs run once per application in a forker worker: the
 * task scheduler of Spring's scheduling infrastructure ({@code @Scheduled} methods and
 * the tasks of every {@link SchedulingConfigurer}) runs them only in the worker that
 * holds the scheduler role. Jobs marked {@link EveryWorker @EveryWorker}, listed in
 * {@code forker.scheduling.every-worker-jobs}, or all of them with
 * {@code forker.scheduling.mode=every-worker}, run in every worker.
 * <p>
 * It does nothing unless the application enables scheduling: only then does Spring call
 * it. It comes after the application's own configurers, so that it wraps the scheduler
 * they chose.
 *
 * @since 0.1.0
 */
public final class OncePerApplicationScheduling implements SchedulingConfigurer, Ordered {

	private static final Log logger = LogFactory.getLog(OncePerApplicationScheduling.class);

	private final WorkerAgent agent;

	private final SchedulerRoleGate gate;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param everyWorker whether every job runs in every worker
	 * @param everyWorkerJobs the jobs that run in every worker, by name
	 * @param classLoader the application's class loader
	 */
	public OncePerApplicationScheduling(WorkerAgent agent, boolean everyWorker, List<String> everyWorkerJobs,
			ClassLoader classLoader) {
		this.agent = agent;
		this.gate = new SchedulerRoleGate(agent.getRoles(), everyWorkerJobs, everyWorker, classLoader);
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar registrar) {
		TaskScheduler scheduler = registrar.getScheduler();
		if (scheduler == null || scheduler instanceof RoleGatedTaskScheduler) {
			return;
		}
		this.agent.getRoles().addListener(this.gate);
		registrar.setTaskScheduler(new RoleGatedTaskScheduler(scheduler, this.gate));
		describe(registrar);
	}

	private void describe(ScheduledTaskRegistrar registrar) {
		List<String> once = new ArrayList<>();
		List<String> everyWorker = new ArrayList<>();
		Stream
			.of(registrar.getCronTaskList(), registrar.getFixedRateTaskList(), registrar.getFixedDelayTaskList(),
					registrar.getTriggerTaskList())
			.flatMap(List::stream)
			.map(Task::getRunnable)
			.forEach((job) -> (this.gate.runsInEveryWorker(job) ? everyWorker : once).add(job.toString()));
		if (once.isEmpty() && everyWorker.isEmpty()) {
			return;
		}
		String message = "Scheduled jobs: " + once.size() + " run once per application, in the worker that holds "
				+ "the scheduler role" + (once.isEmpty() ? "" : " " + once) + "; " + everyWorker.size()
				+ " run in every worker" + (everyWorker.isEmpty() ? "" : " " + everyWorker);
		// Every worker has the same jobs: one of them says so
		if (this.agent.getEnvironment().workerId() == 1) {
			logger.info(message);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug(message);
		}
	}

}
