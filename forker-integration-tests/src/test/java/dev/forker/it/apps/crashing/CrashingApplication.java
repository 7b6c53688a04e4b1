package dev.forker.it.apps.crashing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A web application whose worker 2 exits at once, before Spring Boot starts, while the
 * file named by {@code -Dcrash.marker} exists: a worker that can be made to crash and be
 * restarted in a fraction of a second, any number of times.
 */
@SpringBootApplication
public class CrashingApplication {

	public static void main(String[] args) {
		String marker = System.getProperty("crash.marker");
		if ("2".equals(System.getenv("FORKER_WORKER_ID")) && marker != null && Files.exists(Path.of(marker))) {
			System.exit(3);
		}
		SpringApplication.run(CrashingApplication.class, args);
	}

}
