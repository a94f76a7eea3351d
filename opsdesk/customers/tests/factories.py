"""Factories of the customers area: companies and customer users (valid, no portal password)."""

import factory

from opsdesk.customers.models import CustomerCompany, CustomerUser

PASSWORD = "portal-Lantern-5821"


class CustomerCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerCompany

    customer_id = factory.Sequence(lambda n: f"CUST-{n:04d}")
    name = factory.Sequence(lambda n: f"Customer {n:04d} Ltd.")
    city = "Tokyo"
    country = "Japan"


class CustomerUserFactory(factory.django.DjangoModelFactory):
    """``CustomerUserFactory(password="…")`` gives the user portal access; by default none.
    ``additional_companies=[…]`` sets further companies."""

    class Meta:
        model = CustomerUser
        skip_postgeneration_save = True

    login = factory.Sequence(lambda n: f"customer{n:04d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.login}@customer.example.com")
    company = factory.SubFactory(CustomerCompanyFactory)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        if extracted:
            self.set_password(extracted)
            if create:
                type(self).objects.filter(pk=self.pk).update(password=self.password)

    @factory.post_generation
    def additional_companies(self, create, extracted, **kwargs):
        if create and extracted:
            self.additional_companies.set(extracted)
