package dev.forker.sample.postgres;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

import dev.forker.boot.Forker;
import dev.forker.boot.scheduling.EveryWorker;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Two scheduled jobs that record each of their runs in the database: a report that the
 * application runs once (in one JVM, and with forker in one worker at a time), and a
 * refresh of something each worker holds, which runs in every worker.
 */
@Component
@ConditionalOnBooleanProperty(name = "app.jobs.enabled", matchIfMissing = true)
class Jobs {

	private static final long PID = ProcessHandle.current().pid();

	private final JdbcTemplate jdbc;

	private final Duration duration;

	Jobs(JdbcTemplate jdbc, AppProperties properties) {
		this.jdbc = jdbc;
		this.duration = properties.getJobs().getDuration();
	}

	@Scheduled(fixedRateString = "${app.jobs.rate:500ms}")
	void report() throws InterruptedException {
		record("report");
	}

	@EveryWorker
	@Scheduled(fixedRateString = "${app.jobs.rate:500ms}")
	void refreshLocalCopy() throws InterruptedException {
		record("refresh");
	}

	private void record(String job) throws InterruptedException {
		Instant started = Instant.now();
		// A run takes some time, so that two runs at once would overlap
		Thread.sleep(this.duration.toMillis());
		this.jdbc.update("INSERT INTO job_runs (job, pid, worker, started_at, finished_at) VALUES (?, ?, ?, ?, ?)", job,
				PID, Forker.workerId().orElse(0), Timestamp.from(started), Timestamp.from(Instant.now()));
	}

}
