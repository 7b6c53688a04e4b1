package dev.forker.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.forker.boot.Forker;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Three kinds of work: almost none, much short-lived allocation, and a global lock.
 */
@RestController
class BenchmarkController {

	private static final Object GLOBAL_LOCK = new Object();

	private static final long LOCKED_WORK_NANOS = 1_000_000;

	private static final int ALLOC_ITEMS = 2_000;

	private static final long PID = ProcessHandle.current().pid();

	private volatile long sink;

	/**
	 * A plain text response.
	 * @return a greeting
	 */
	@GetMapping(path = "/hello", produces = "text/plain")
	String hello() {
		return "Hello, World!";
	}

	/**
	 * A request that reads its session and writes it back: a visit counter, as a
	 * logged-in page reads the user from the session.
	 * @param session the HTTP session
	 * @return the number of visits of this session
	 */
	@GetMapping(path = "/session", produces = "text/plain")
	String session(HttpSession session) {
		Integer visits = (Integer) session.getAttribute("visits");
		int count = (visits != null) ? visits + 1 : 1;
		session.setAttribute("visits", count);
		return Integer.toString(count);
	}

	/**
	 * A JSON document of about 250 KB built from short-lived objects.
	 * @return the document
	 */
	@GetMapping("/alloc")
	Document alloc() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Item> items = new ArrayList<>(ALLOC_ITEMS);
		for (int i = 0; i < ALLOC_ITEMS; i++) {
			List<String> tags = List.of("tag-" + random.nextInt(100), "tag-" + random.nextInt(100));
			items.add(new Item(i, "item-" + Long.toHexString(random.nextLong()), random.nextDouble() * 1000,
					"A description of item " + i + " that makes the document larger", tags));
		}
		return new Document(PID, items.size(), items);
	}

	/**
	 * About 1 ms of CPU work inside one JVM-wide lock, the way legacy code with a global
	 * lock behaves.
	 * @return {@code ok}
	 */
	@GetMapping(path = "/locked", produces = "text/plain")
	String locked() {
		synchronized (GLOBAL_LOCK) {
			long end = System.nanoTime() + LOCKED_WORK_NANOS;
			long value = this.sink;
			while (System.nanoTime() < end) {
				value = value * 31 + 17;
			}
			this.sink = value;
		}
		return "ok";
	}

	/**
	 * Which process answered.
	 * @return the worker id (0 outside forker) and pid
	 */
	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	record Item(int id, String name, double price, String description, List<String> tags) {
	}

	record Document(long pid, int count, List<Item> items) {
	}

	record WorkerInfo(int worker, long pid) {
	}

}
