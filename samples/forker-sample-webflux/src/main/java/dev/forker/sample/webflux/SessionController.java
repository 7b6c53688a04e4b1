package dev.forker.sample.webflux;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebSession;

/**
 * Counts a visitor's visits in the WebSession, which every worker sees.
 */
@RestController
class SessionController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/session/visits")
	Mono<Visits> visits(WebSession session) {
		int visits = session.getAttributeOrDefault("visits", 0) + 1;
		session.getAttributes().put("visits", visits);
		return Mono.just(new Visits(visits, PID));
	}

	record Visits(int visits, long pid) {
	}

}
