package dev.forker.sample.webflux;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.forker.boot.Forker;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Says which worker answered, and does some CPU and allocation work on request.
 */
@RestController
class WorkerController {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/worker")
	WorkerInfo worker() {
		return new WorkerInfo(Forker.workerId().orElse(0), PID);
	}

	@GetMapping("/work")
	WorkResult work(@RequestParam(defaultValue = "2000") int items) throws NoSuchAlgorithmException {
		int count = Math.max(1, Math.min(items, 100_000));
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Item> generated = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			generated.add(new Item(i, Long.toHexString(random.nextLong()), random.nextDouble()));
		}
		generated.sort(Comparator.comparingDouble(Item::score));
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		for (Item item : generated) {
			digest.update(item.name().getBytes(StandardCharsets.UTF_8));
		}
		return new WorkResult(Forker.workerId().orElse(0), PID, count, HexFormat.of().formatHex(digest.digest()));
	}

	record WorkerInfo(int worker, long pid) {
	}

	record Item(int id, String name, double score) {
	}

	record WorkResult(int worker, long pid, int items, String digest) {
	}

}
