CREATE TABLE `message_pieces` (
	`message_seq` integer NOT NULL,
	`idx` integer NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`message_seq`, `idx`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `pieces` integer DEFAULT 0 NOT NULL;