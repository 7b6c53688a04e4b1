package dev.forker.it;

/**
 * What a sample's {@code /worker} endpoint answers.
 *
 * @param worker the worker id
 * @param pid the worker's pid
 */
record WorkerAnswer(int worker, long pid) {
}
