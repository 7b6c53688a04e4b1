package dev.forker.boot.scheduling;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.WorkerRole;
import dev.forker.boot.worker.WorkerRoles;

/**
 * Lets a scheduled job that runs once per application run only while this worker holds
 * the {@link WorkerRole#SCHEDULER scheduler} role, and, when the role is revoked, waits
 * for the runs in progress to end before the role is released, so that no two workers
 * ever run such a job at once.
 *
 * @since 0.1.0
 */
final class SchedulerRoleGate implements WorkerRoles.Listener {

	private static final Log logger = LogFactory.getLog(SchedulerRoleGate.class);

	private static final String ROLE = WorkerRole.SCHEDULER.name();

	private static final long PROGRESS_LOG_MILLIS = Duration.ofSeconds(10).toMillis();

	private final WorkerRoles roles;

	private final Set<String> everyWorkerJobs;

	private final boolean everyWorkerByDefault;

	private final ClassLoader classLoader;

	private final Object monitor = new Object();

	private int running;

	private boolean held;

	SchedulerRoleGate(WorkerRoles roles, Collection<String> everyWorkerJobs, boolean everyWorkerByDefault,
			ClassLoader classLoader) {
		this.roles = roles;
		this.everyWorkerJobs = Set.copyOf(everyWorkerJobs);
		this.everyWorkerByDefault = everyWorkerByDefault;
		this.classLoader = classLoader;
	}

	/**
	 * Return whether a job runs in every worker rather than once per application.
	 * @param job the job, as Spring names it ({@code com.example.Jobs.report} for a
	 * {@code @Scheduled} method)
	 * @return whether it runs in every worker
	 */
	boolean runsInEveryWorker(Runnable job) {
		if (this.everyWorkerByDefault) {
			return true;
		}
		String name = job.toString();
		return this.everyWorkerJobs.contains(name) || ScheduledJobs.isAnnotatedEveryWorker(name, this.classLoader);
	}

	/**
	 * Start a run of a once-per-application job if this worker holds the role.
	 * @return whether the job runs; if so, {@link #end()} must follow
	 */
	boolean begin() {
		synchronized (this.monitor) {
			if (!this.held || !this.roles.has(ROLE)) {
				return false;
			}
			this.running++;
			return true;
		}
	}

	/**
	 * A run started by {@link #begin()} ended.
	 */
	void end() {
		synchronized (this.monitor) {
			this.running--;
			this.monitor.notifyAll();
		}
	}

	@Override
	public void granted(String role) {
		if (ROLE.equals(role)) {
			synchronized (this.monitor) {
				this.held = true;
			}
		}
	}

	@Override
	public void revoked(String role) {
		if (!ROLE.equals(role)) {
			return;
		}
		synchronized (this.monitor) {
			this.held = false;
			long waitedMillis = 0;
			while (this.running > 0) {
				if (waitedMillis > 0 && waitedMillis % PROGRESS_LOG_MILLIS == 0) {
					logger.info("Waiting for " + this.running
							+ " scheduled job runs to end before another worker takes over the scheduler role");
				}
				try {
					this.monitor.wait(1000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				waitedMillis += 1000;
			}
		}
	}

}
