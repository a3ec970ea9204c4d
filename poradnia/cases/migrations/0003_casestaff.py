"""Case.staff goes through CaseStaff, which adds the staff member's role, keeping every existing row.

The plain many-to-many field's table ``cases_case_staff`` (id, case_id, user_id, unique pair) becomes
CaseStaff's table unchanged: the first operation only tells Django's state so, and the second adds the
role column, filled with True (today's behaviour) on every existing row.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CaseStaff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='cases.case')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'case staff member',
                        'db_table': 'cases_case_staff',
                        'unique_together': {('case', 'user')},
                    },
                ),
                migrations.AlterField(
                    model_name='case',
                    name='staff',
                    field=models.ManyToManyField(blank=True, related_name='case_staff', through='cases.CaseStaff',
                                                 to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name='casestaff',
            name='can_send_to_client',
            field=models.BooleanField(default=True, help_text='Off for volunteers: their letters to the client are '
                                                              'checked by a lawyer first.'),
        ),
    ]
