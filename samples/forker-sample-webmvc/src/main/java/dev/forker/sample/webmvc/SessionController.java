package dev.forker.sample.webmvc;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Counts a visitor's visits in the HTTP session, which every worker sees.
 */
@RestController
class SessionController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/session/visits")
	Visits visits(HttpSession session) {
		Integer visits = (Integer) session.getAttribute("visits");
		int count = (visits != null) ? visits + 1 : 1;
		session.setAttribute("visits", count);
		return new Visits(count, PID);
	}

	record Visits(int visits, long pid) {
	}

}
