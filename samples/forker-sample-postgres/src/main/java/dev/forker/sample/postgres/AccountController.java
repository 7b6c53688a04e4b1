package dev.forker.sample.postgres;

import java.security.Principal;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pages of the logged-in user, and a count of their visits kept in the session.
 */
@RestController
class AccountController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/account")
	Account account(Principal principal, HttpSession session) {
		Integer visits = (Integer) session.getAttribute("visits");
		int count = (visits != null) ? visits + 1 : 1;
		session.setAttribute("visits", count);
		return new Account(principal.getName(), count, PID);
	}

	record Account(String user, int visits, long pid) {
	}

}
