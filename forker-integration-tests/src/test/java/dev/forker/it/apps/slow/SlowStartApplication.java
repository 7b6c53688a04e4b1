package dev.forker.it.apps.slow;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

/**
 * A web application whose startup never finishes in time: one bean waits a minute.
 */
@SpringBootApplication
public class SlowStartApplication {

	public static void main(String[] args) {
		SpringApplication.run(SlowStartApplication.class, args);
	}

	@Component
	static class SlowCache {

		SlowCache() throws InterruptedException {
			Thread.sleep(60_000);
		}

	}

}
