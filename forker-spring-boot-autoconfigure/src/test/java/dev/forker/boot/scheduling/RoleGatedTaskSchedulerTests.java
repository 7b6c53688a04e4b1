package dev.forker.boot.scheduling;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.ScheduledMethodRunnable;

import dev.forker.boot.worker.WorkerRoles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RoleGatedTaskScheduler} and {@link SchedulerRoleGate}.
 */
class RoleGatedTaskSchedulerTests {

	private final List<String> released = new CopyOnWriteArrayList<>();

	private final WorkerRoles roles = new WorkerRoles(this.released::add);

	private final ThreadPoolTaskScheduler delegate = new ThreadPoolTaskScheduler();

	RoleGatedTaskSchedulerTests() {
		this.delegate.setPoolSize(2);
		this.delegate.initialize();
	}

	@AfterEach
	void shutdown() {
		this.delegate.shutdown();
	}

	@Test
	void onceJobRunsOnlyWhileTheRoleIsHeld() throws Exception {
		RoleGatedTaskScheduler scheduler = scheduler(false, List.of());
		Jobs jobs = new Jobs();
		scheduler.scheduleAtFixedRate(job(jobs, "report"), Duration.ofMillis(10));
		scheduler.scheduleAtFixedRate(job(jobs, "refresh"), Duration.ofMillis(10));
		await().atMost(Duration.ofSeconds(10)).until(() -> jobs.refreshes.get() >= 5);
		assertThat(jobs.reports.get()).as("not before the role is granted").isZero();
		this.roles.granted("SCHEDULER");
		await().atMost(Duration.ofSeconds(10)).until(() -> jobs.reports.get() >= 5);
		this.roles.revoked("SCHEDULER");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.released.contains("SCHEDULER"));
		int reports = jobs.reports.get();
		int refreshes = jobs.refreshes.get();
		await().atMost(Duration.ofSeconds(10)).until(() -> jobs.refreshes.get() >= refreshes + 5);
		assertThat(jobs.reports.get()).as("no run after the role is released").isEqualTo(reports);
	}

	@Test
	void revocationIsReleasedOnlyOnceTheRunInProgressEnded() throws Exception {
		RoleGatedTaskScheduler scheduler = scheduler(false, List.of());
		CountDownLatch running = new CountDownLatch(1);
		CountDownLatch finish = new CountDownLatch(1);
		this.roles.granted("SCHEDULER");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.roles.has("SCHEDULER"));
		scheduler.scheduleWithFixedDelay(() -> {
			running.countDown();
			try {
				finish.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, Duration.ofMillis(10));
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		this.roles.revoked("SCHEDULER");
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.released).as("released while a run is in progress").isEmpty());
		finish.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.released.contains("SCHEDULER"));
	}

	@Test
	void jobsMarkedOrListedRunInEveryWorker() {
		Jobs jobs = new Jobs();
		SchedulerRoleGate gate = new SchedulerRoleGate(this.roles, List.of(Jobs.class.getName() + ".report"), false,
				getClass().getClassLoader());
		assertThat(gate.runsInEveryWorker(job(jobs, "report"))).isTrue();
		assertThat(gate.runsInEveryWorker(job(jobs, "refresh"))).isTrue();
		assertThat(gate.runsInEveryWorker(job(new Jobs(), "cleanUp"))).isFalse();
		SchedulerRoleGate everyWorker = new SchedulerRoleGate(this.roles, List.of(), true, getClass().getClassLoader());
		assertThat(everyWorker.runsInEveryWorker(job(jobs, "cleanUp"))).isTrue();
	}

	@Test
	void keepsTheNameOfTheJob() {
		Jobs jobs = new Jobs();
		RoleGatedTaskScheduler scheduler = scheduler(false, List.of());
		ScheduledFuture<?> future = scheduler.scheduleWithFixedDelay(job(jobs, "report"), Duration.ofHours(1));
		assertThat(future.isCancelled()).isFalse();
		assertThat(job(jobs, "report")).hasToString(Jobs.class.getName() + ".report");
	}

	private RoleGatedTaskScheduler scheduler(boolean everyWorker, List<String> everyWorkerJobs) {
		SchedulerRoleGate gate = new SchedulerRoleGate(this.roles, everyWorkerJobs, everyWorker,
				getClass().getClassLoader());
		this.roles.addListener(gate);
		return new RoleGatedTaskScheduler(this.delegate, gate);
	}

	private static ScheduledMethodRunnable job(Jobs jobs, String name) {
		try {
			return new ScheduledMethodRunnable(jobs, Jobs.class.getDeclaredMethod(name));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static class Jobs {

		final AtomicInteger reports = new AtomicInteger();

		final AtomicInteger refreshes = new AtomicInteger();

		public void report() {
			this.reports.incrementAndGet();
		}

		@EveryWorker
		public void refresh() {
			this.refreshes.incrementAndGet();
		}

		public void cleanUp() {
		}

	}

}
