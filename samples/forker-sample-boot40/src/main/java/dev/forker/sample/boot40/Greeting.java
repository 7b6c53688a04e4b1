package dev.forker.sample.boot40;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;

@Entity
public class Greeting {

	@Id
	@GeneratedValue
	private Long id;

	private String text;

	protected Greeting() {
	}

	public Greeting(String text) {
		this.text = text;
	}

	public Long getId() {
		return this.id;
	}

	public String getText() {
		return this.text;
	}

}
