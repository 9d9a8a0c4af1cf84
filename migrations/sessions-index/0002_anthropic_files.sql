CREATE TABLE `anthropic_files` (
	`sha256` text PRIMARY KEY NOT NULL,
	`file_id` text NOT NULL,
	`created_at` integer NOT NULL
);
