package dev.forker.sample.postgres;

import java.util.List;

import dev.forker.boot.Forker;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Says which worker answers, and reads the data the schema scripts or migrations loaded.
 */
@RestController
class WorkerController {

	private static final long PID = ProcessHandle.current().pid();

	private final JdbcTemplate jdbc;

	WorkerController(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	@GetMapping("/owners")
	List<String> owners() {
		return this.jdbc.queryForList("SELECT name FROM owners ORDER BY id", String.class);
	}

	record WorkerInfo(int worker, long pid) {
	}

}
