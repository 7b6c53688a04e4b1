package dev.forker.boot.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.SchedulingAwareRunnable;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.Trigger;

/**
 * The task scheduler of the application's scheduled jobs in a forker worker: it runs the
 * jobs that run once per application only while this worker holds the scheduler role, and
 * the others, as they are, in every worker. The jobs keep their schedule in every worker;
 * a run is skipped where the role is not held, so that the worker that takes the role
 * over runs the next one.
 *
 * @since 0.1.0
 */
final class RoleGatedTaskScheduler implements TaskScheduler {

	private static final Log logger = LogFactory.getLog(RoleGatedTaskScheduler.class);

	private final TaskScheduler delegate;

	private final SchedulerRoleGate gate;

	RoleGatedTaskScheduler(TaskScheduler delegate, SchedulerRoleGate gate) {
		this.delegate = delegate;
		this.gate = gate;
	}

	@Override
	public Clock getClock() {
		return this.delegate.getClock();
	}

	@Override
	public @Nullable ScheduledFuture<?> schedule(Runnable task, Trigger trigger) {
		return this.delegate.schedule(gated(task), trigger);
	}

	@Override
	public ScheduledFuture<?> schedule(Runnable task, Instant startTime) {
		return this.delegate.schedule(gated(task), startTime);
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Instant startTime, Duration period) {
		return this.delegate.scheduleAtFixedRate(gated(task), startTime, period);
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
		return this.delegate.scheduleAtFixedRate(gated(task), period);
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Instant startTime, Duration delay) {
		return this.delegate.scheduleWithFixedDelay(gated(task), startTime, delay);
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
		return this.delegate.scheduleWithFixedDelay(gated(task), delay);
	}

	private Runnable gated(Runnable task) {
		return this.gate.runsInEveryWorker(task) ? task : new OncePerApplication(task, this.gate);
	}

	/**
	 * A job that runs once per application.
	 */
	private static final class OncePerApplication implements SchedulingAwareRunnable {

		private final Runnable task;

		private final SchedulerRoleGate gate;

		OncePerApplication(Runnable task, SchedulerRoleGate gate) {
			this.task = task;
			this.gate = gate;
		}

		@Override
		public void run() {
			if (!this.gate.begin()) {
				if (logger.isTraceEnabled()) {
					logger.trace("Skipped " + this.task + ": another worker holds the scheduler role");
				}
				return;
			}
			try {
				this.task.run();
			}
			finally {
				this.gate.end();
			}
		}

		@Override
		public boolean isLongLived() {
			return (this.task instanceof SchedulingAwareRunnable aware) ? aware.isLongLived()
					: SchedulingAwareRunnable.super.isLongLived();
		}

		@Override
		public @Nullable String getQualifier() {
			return (this.task instanceof SchedulingAwareRunnable aware) ? aware.getQualifier() : null;
		}

		@Override
		public String toString() {
			return this.task.toString();
		}

	}

}
