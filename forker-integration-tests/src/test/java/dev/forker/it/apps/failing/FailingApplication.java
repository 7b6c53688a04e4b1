package dev.forker.it.apps.failing;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

/**
 * A web application that cannot start: one of its beans fails in every worker.
 */
@SpringBootApplication
public class FailingApplication {

	public static void main(String[] args) {
		SpringApplication.run(FailingApplication.class, args);
	}

	@Component
	static class InventoryClient {

		InventoryClient() {
			throw new IllegalStateException("inventory database at db.invalid:5432 is unreachable");
		}

	}

}
