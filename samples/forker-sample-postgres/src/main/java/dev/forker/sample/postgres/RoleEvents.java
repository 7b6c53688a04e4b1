package dev.forker.sample.postgres;

import dev.forker.boot.WorkerRoleGrantedEvent;
import dev.forker.boot.WorkerRoleRevokedEvent;

import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Records when this worker gains or loses a role: where a once-per-application component
 * of the application would start and stop.
 */
@Component
class RoleEvents {

	private static final long PID = ProcessHandle.current().pid();

	private final JdbcTemplate jdbc;

	RoleEvents(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@EventListener
	void granted(WorkerRoleGrantedEvent event) {
		record(event.getRole().name(), true);
	}

	@EventListener
	void revoked(WorkerRoleRevokedEvent event) {
		record(event.getRole().name(), false);
	}

	private void record(String role, boolean granted) {
		this.jdbc.update("INSERT INTO role_events (pid, role, granted) VALUES (?, ?, ?)", PID, role, granted);
	}

}
