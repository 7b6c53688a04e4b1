package dev.forker.sample.grpc;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.forker.boot.Forker;

/**
 * Says which worker answered an HTTP request, on the application's other port.
 */
@RestController
class WorkerController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	record WorkerInfo(int worker, long pid) {
	}

}
