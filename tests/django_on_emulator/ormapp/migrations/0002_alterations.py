"""Schema changes that exercise ALTER TABLE paths of the emulator (ADD / MODIFY / RENAME / DROP)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ormapp", "0001_initial")]

    operations = [
        migrations.AddField("book", "isbn", models.CharField(max_length=20, null=True, db_index=True)),
        migrations.AddField("author", "nickname", models.CharField(max_length=30, default="anon")),
        migrations.AlterField("author", "name", models.CharField(max_length=150)),
        migrations.RenameField("book", "pages", "page_count"),
        migrations.AddIndex("book", models.Index(fields=["title", "author"], name="book_title_author_idx")),
        migrations.AlterUniqueTogether("author", {("name", "email")}),
        migrations.AddField("author", "obsolete", models.IntegerField(null=True)),
        migrations.RemoveField("author", "obsolete"),
        migrations.RenameModel("Tag", "Label"),
    ]
