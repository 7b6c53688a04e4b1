package dev.forker.sample.jetty;

import java.util.Locale;

import dev.forker.boot.Forker;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Says which worker answered.
 */
@RestController
class WorkerController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	@GetMapping("/greeting")
	Greeting greeting(@RequestParam(defaultValue = "world") String name) {
		return new Greeting(String.format(Locale.ROOT, "Hello, %s, from worker %d", name, Forker.workerId().orElse(0)));
	}

	record WorkerInfo(int worker, long pid) {
	}

	record Greeting(String message) {
	}

}
