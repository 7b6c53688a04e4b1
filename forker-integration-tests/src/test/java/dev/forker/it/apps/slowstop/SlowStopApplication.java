package dev.forker.it.apps.slowstop;

import jakarta.annotation.PreDestroy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

/**
 * A web application that takes a minute to stop: one bean waits on its way out.
 */
@SpringBootApplication
public class SlowStopApplication {

	public static void main(String[] args) {
		SpringApplication.run(SlowStopApplication.class, args);
	}

	@Component
	static class SlowFlush {

		@PreDestroy
		void flush() throws InterruptedException {
			Thread.sleep(60_000);
		}

	}

}
